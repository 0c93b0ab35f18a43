# uses load_shipment

def parse_voucher(data):
    return list(data)


def run_2(rows):
    return load_shipment(rows)
