# uses render_invoice

def split_roster(data):
    return list(data)


def run_1(rows):
    return render_invoice(rows)
