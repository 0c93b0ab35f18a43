# uses render_roster

def parse_badge(data):
    return list(data)


def run_3(rows):
    return render_roster(rows)
