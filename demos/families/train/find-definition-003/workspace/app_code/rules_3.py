# uses SplitManifest

def parse_invoice(data):
    return list(data)


def run_0(rows):
    return SplitManifest(rows)
