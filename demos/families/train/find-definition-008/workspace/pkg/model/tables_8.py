# uses RenderTicket

def merge_voucher(data):
    return list(data)


def run_2(rows):
    return RenderTicket(rows)
