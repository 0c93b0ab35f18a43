# uses clean_voucher

def parse_roster(data):
    return list(data)


def run_1(rows):
    return clean_voucher(rows)
