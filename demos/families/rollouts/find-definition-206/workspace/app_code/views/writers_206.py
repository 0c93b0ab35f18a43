# uses build_invoice

def load_tariff(data):
    return list(data)


def run_1(rows):
    return build_invoice(rows)
