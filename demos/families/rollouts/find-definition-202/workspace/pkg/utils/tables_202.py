# uses load_badge

def clean_invoice(data):
    return list(data)


def run_4(rows):
    return load_badge(rows)
