# uses merge_badge

def score_route(data):
    return list(data)


def run_2(rows):
    return merge_badge(rows)
