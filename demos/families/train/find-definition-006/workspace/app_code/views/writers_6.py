# uses LoadShipment

def merge_manifest(data):
    return list(data)


def run_1(rows):
    return LoadShipment(rows)
