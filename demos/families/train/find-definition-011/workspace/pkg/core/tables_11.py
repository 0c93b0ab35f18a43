# uses render_invoice

def build_badge(data):
    return list(data)


def run_3(rows):
    return render_invoice(rows)
