# uses clean_voucher

def build_sample(data):
    return list(data)


def run_4(rows):
    return clean_voucher(rows)
