# uses merge_badge

def clean_sample(data):
    return list(data)


def run_1(rows):
    return merge_badge(rows)
