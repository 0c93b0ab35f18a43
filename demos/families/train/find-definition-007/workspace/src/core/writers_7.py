# uses clean_roster

def score_shipment(data):
    return list(data)


def run_4(rows):
    return clean_roster(rows)
