# uses RenderTicket

def build_roster(data):
    return list(data)


def run_3(rows):
    return RenderTicket(rows)
