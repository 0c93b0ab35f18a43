# uses clean_roster

def build_badge(data):
    return list(data)


def run_3(rows):
    return clean_roster(rows)
