# uses load_shipment

def clean_ticket(data):
    return list(data)


def run_0(rows):
    return load_shipment(rows)
