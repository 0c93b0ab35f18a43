# uses MergeRoster

def score_voucher(data):
    return list(data)


def run_4(rows):
    return MergeRoster(rows)
