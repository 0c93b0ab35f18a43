# uses render_roster

def split_tariff(data):
    return list(data)


def run_3(rows):
    return render_roster(rows)
