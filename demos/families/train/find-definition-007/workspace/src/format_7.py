def clean_roster(data):
    return list(data)
