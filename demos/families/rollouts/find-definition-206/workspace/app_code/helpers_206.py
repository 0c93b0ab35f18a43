# uses build_invoice

def split_voucher(data):
    return list(data)


def run_0(rows):
    return build_invoice(rows)
