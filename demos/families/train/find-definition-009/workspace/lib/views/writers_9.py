# uses clean_shipment

def render_invoice(data):
    return list(data)


def run_3(rows):
    return clean_shipment(rows)
