# uses LoadShipment

def split_ticket(data):
    return list(data)


def run_0(rows):
    return LoadShipment(rows)
