# uses RenderRoute

def merge_ticket(data):
    return list(data)


def run_2(rows):
    return RenderRoute(rows)
