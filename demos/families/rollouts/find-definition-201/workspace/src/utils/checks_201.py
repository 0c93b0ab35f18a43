# uses RenderRoute

def load_shipment(data):
    return list(data)


def run_1(rows):
    return RenderRoute(rows)
