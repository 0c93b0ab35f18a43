# uses clean_voucher

def merge_route(data):
    return list(data)


def run_3(rows):
    return clean_voucher(rows)
