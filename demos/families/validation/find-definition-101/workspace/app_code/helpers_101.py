# uses split_tariff

def build_ticket(data):
    return list(data)


def run_0(rows):
    return split_tariff(rows)
