# uses load_badge

def build_sample(data):
    return list(data)


def run_3(rows):
    return load_badge(rows)
