def render_invoice(data):
    return list(data)
