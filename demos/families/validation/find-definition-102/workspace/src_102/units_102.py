# uses MergeTariff

def build_invoice(data):
    return list(data)


def run_0(rows):
    return MergeTariff(rows)
