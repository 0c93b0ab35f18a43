# uses build_invoice

def parse_sample(data):
    return list(data)


def run_4(rows):
    return build_invoice(rows)
