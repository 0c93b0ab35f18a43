# uses MergeTariff

def build_sample(data):
    return list(data)


def run_4(rows):
    return MergeTariff(rows)
