# uses SplitManifest

def load_ticket(data):
    return list(data)


def run_1(rows):
    return SplitManifest(rows)
