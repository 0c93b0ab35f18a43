# uses MergeVoucher

def score_invoice(data):
    return list(data)


def run_0(rows):
    return MergeVoucher(rows)
