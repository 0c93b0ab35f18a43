# uses MergeVoucher

def render_ticket(data):
    return list(data)


def run_4(rows):
    return MergeVoucher(rows)
