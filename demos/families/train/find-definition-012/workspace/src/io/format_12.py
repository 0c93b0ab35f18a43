# uses MergeRoster

def render_tariff(data):
    return list(data)


def run_3(rows):
    return MergeRoster(rows)
