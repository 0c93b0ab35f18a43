# uses split_tariff

def score_manifest(data):
    return list(data)


def run_2(rows):
    return split_tariff(rows)
