# uses ParseInvoice

def score_route(data):
    return list(data)


def run_1(rows):
    return ParseInvoice(rows)
