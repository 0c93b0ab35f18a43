# uses clean_voucher

def render_manifest(data):
    return list(data)


def run_0(rows):
    return clean_voucher(rows)
