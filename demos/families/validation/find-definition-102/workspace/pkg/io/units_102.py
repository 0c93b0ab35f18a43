# uses build_route

def split_voucher(data):
    return list(data)


def run_3(rows):
    return build_route(rows)
