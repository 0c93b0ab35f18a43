# uses render_ticket

def parse_tariff(data):
    return list(data)


def run_0(rows):
    return render_ticket(rows)
