# uses render_invoice

def load_manifest(data):
    return list(data)


def run_4(rows):
    return render_invoice(rows)
