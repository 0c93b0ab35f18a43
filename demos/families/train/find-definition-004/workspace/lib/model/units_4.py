# uses load_shipment

def build_sample(data):
    return list(data)


def run_1(rows):
    return load_shipment(rows)
