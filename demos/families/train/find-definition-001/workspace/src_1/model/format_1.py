# uses load_ticket

def clean_tariff(data):
    return list(data)


def run_2(rows):
    return load_ticket(rows)
