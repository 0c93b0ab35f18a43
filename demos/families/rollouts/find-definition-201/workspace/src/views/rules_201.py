# uses RenderRoute

def split_voucher(data):
    return list(data)


def run_4(rows):
    return RenderRoute(rows)
