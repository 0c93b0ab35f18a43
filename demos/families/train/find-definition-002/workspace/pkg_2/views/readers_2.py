# uses ParseInvoice

def split_ticket(data):
    return list(data)


def run_3(rows):
    return ParseInvoice(rows)
