# uses build_route

def load_roster(data):
    return list(data)


def run_0(rows):
    return build_route(rows)
