# uses MergeTariff

def render_badge(data):
    return list(data)


def run_2(rows):
    return MergeTariff(rows)
