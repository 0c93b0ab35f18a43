# uses RenderTicket

def split_sample(data):
    return list(data)


def run_4(rows):
    return RenderTicket(rows)
