def clean_shipment(data):
    return list(data)
