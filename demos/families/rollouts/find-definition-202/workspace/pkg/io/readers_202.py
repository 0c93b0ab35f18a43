# uses load_badge

def split_shipment(data):
    return list(data)


def run_2(rows):
    return load_badge(rows)
