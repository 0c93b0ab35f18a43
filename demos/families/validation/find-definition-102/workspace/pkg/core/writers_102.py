# uses build_route

def score_shipment(data):
    return list(data)


def run_1(rows):
    return build_route(rows)
