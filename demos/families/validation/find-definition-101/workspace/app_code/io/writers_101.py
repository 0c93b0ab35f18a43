# uses split_tariff

def parse_sample(data):
    return list(data)


def run_1(rows):
    return split_tariff(rows)
