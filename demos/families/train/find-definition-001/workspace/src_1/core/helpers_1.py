# uses load_ticket

def score_shipment(data):
    return list(data)


def run_4(rows):
    return load_ticket(rows)
