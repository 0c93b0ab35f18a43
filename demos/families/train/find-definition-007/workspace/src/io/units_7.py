# uses clean_roster

def render_ticket(data):
    return list(data)


def run_2(rows):
    return clean_roster(rows)
