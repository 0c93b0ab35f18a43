# uses render_roster

def clean_tariff(data):
    return list(data)


def run_2(rows):
    return render_roster(rows)
