def load_shipment(data):
    return list(data)
