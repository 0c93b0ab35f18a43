# uses RenderBadge

def load_invoice(data):
    return list(data)


def run_2(rows):
    return RenderBadge(rows)
