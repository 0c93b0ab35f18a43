# uses RenderTicket

def score_tariff(data):
    return list(data)


def run_0(rows):
    return RenderTicket(rows)
