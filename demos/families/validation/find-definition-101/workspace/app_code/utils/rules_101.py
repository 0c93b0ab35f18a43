# uses split_tariff

def merge_badge(data):
    return list(data)


def run_3(rows):
    return split_tariff(rows)
