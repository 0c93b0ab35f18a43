# uses render_ticket

def clean_shipment(data):
    return list(data)


def run_1(rows):
    return render_ticket(rows)
