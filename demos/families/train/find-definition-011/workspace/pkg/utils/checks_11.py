# uses render_invoice

def parse_voucher(data):
    return list(data)


def run_2(rows):
    return render_invoice(rows)
