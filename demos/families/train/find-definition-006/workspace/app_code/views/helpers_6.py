# uses LoadShipment

def render_badge(data):
    return list(data)


def run_2(rows):
    return LoadShipment(rows)
