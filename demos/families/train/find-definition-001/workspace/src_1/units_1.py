# uses load_ticket

def render_roster(data):
    return list(data)


def run_0(rows):
    return load_ticket(rows)
