# uses load_shipment

def score_roster(data):
    return list(data)


def run_4(rows):
    return load_shipment(rows)
