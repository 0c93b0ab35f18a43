# uses render_roster

def parse_ticket(data):
    return list(data)


def run_4(rows):
    return render_roster(rows)
