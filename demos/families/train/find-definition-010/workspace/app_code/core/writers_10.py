# uses render_ticket

def split_voucher(data):
    return list(data)


def run_3(rows):
    return render_ticket(rows)
