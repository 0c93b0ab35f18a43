# uses load_route

def parse_sample(data):
    return list(data)


def run_4(rows):
    return load_route(rows)
