# uses SplitManifest

def render_tariff(data):
    return list(data)


def run_2(rows):
    return SplitManifest(rows)
