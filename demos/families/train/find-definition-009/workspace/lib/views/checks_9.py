# uses clean_shipment

def merge_roster(data):
    return list(data)


def run_4(rows):
    return clean_shipment(rows)
