# uses MergeTariff

def clean_route(data):
    return list(data)


def run_1(rows):
    return MergeTariff(rows)
