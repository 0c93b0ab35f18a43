# uses MergeRoster

def load_sample(data):
    return list(data)


def run_2(rows):
    return MergeRoster(rows)
