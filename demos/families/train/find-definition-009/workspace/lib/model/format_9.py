# uses clean_shipment

def build_route(data):
    return list(data)


def run_1(rows):
    return clean_shipment(rows)
