# uses MergeTariff

def score_shipment(data):
    return list(data)


def run_0(rows):
    return MergeTariff(rows)
