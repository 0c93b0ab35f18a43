# uses SplitManifest

def score_sample(data):
    return list(data)


def run_3(rows):
    return SplitManifest(rows)
