# uses build_route

def merge_sample(data):
    return list(data)


def run_4(rows):
    return build_route(rows)
