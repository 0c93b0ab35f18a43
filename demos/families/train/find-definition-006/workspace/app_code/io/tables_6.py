# uses LoadShipment

def clean_voucher(data):
    return list(data)


def run_4(rows):
    return LoadShipment(rows)
