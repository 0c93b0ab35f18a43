# uses load_route

def score_manifest(data):
    return list(data)


def run_2(rows):
    return load_route(rows)
