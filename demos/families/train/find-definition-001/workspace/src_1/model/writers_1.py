# uses load_ticket

def split_route(data):
    return list(data)


def run_1(rows):
    return load_ticket(rows)
