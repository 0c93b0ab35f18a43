# uses clean_roster

def parse_invoice(data):
    return list(data)


def run_1(rows):
    return clean_roster(rows)
