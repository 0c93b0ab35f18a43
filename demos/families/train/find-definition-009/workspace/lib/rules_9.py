# uses clean_shipment

def parse_manifest(data):
    return list(data)


def run_0(rows):
    return clean_shipment(rows)
