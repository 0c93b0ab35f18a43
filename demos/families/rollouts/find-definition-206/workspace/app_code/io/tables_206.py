def build_invoice(data):
    return list(data)
