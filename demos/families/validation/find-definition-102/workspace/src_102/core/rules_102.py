# uses MergeTariff

def clean_ticket(data):
    return list(data)


def run_4(rows):
    return MergeTariff(rows)
