# uses load_route

def clean_voucher(data):
    return list(data)


def run_1(rows):
    return load_route(rows)
