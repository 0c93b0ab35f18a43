# uses RenderBadge

def split_ticket(data):
    return list(data)


def run_4(rows):
    return RenderBadge(rows)
