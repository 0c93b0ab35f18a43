# uses ParseInvoice

def render_sample(data):
    return list(data)


def run_2(rows):
    return ParseInvoice(rows)
