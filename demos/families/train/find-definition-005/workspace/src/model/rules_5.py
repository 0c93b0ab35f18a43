# uses merge_route

def build_tariff(data):
    return list(data)


def run_3(rows):
    return merge_route(rows)
