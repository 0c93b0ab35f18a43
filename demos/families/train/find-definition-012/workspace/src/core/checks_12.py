# uses MergeRoster

def split_shipment(data):
    return list(data)


def run_1(rows):
    return MergeRoster(rows)
