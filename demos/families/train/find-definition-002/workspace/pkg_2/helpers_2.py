# uses ParseInvoice

def clean_tariff(data):
    return list(data)


def run_0(rows):
    return ParseInvoice(rows)
