# uses RenderBadge

def score_sample(data):
    return list(data)


def run_0(rows):
    return RenderBadge(rows)
