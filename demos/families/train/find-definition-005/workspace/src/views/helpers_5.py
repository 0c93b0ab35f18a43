# uses merge_route

def score_shipment(data):
    return list(data)


def run_2(rows):
    return merge_route(rows)
