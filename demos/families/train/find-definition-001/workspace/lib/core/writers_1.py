# uses merge_badge

def render_ticket(data):
    return list(data)


def run_4(rows):
    return merge_badge(rows)
