# uses MergeVoucher

def parse_sample(data):
    return list(data)


def run_3(rows):
    return MergeVoucher(rows)
