# uses load_badge

def parse_manifest(data):
    return list(data)


def run_0(rows):
    return load_badge(rows)
