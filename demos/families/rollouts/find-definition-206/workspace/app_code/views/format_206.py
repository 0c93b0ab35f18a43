# uses build_invoice

def render_badge(data):
    return list(data)


def run_2(rows):
    return build_invoice(rows)
