# uses MergeTariff

def score_shipment(data):
    return list(data)


def run_3(rows):
    return MergeTariff(rows)
