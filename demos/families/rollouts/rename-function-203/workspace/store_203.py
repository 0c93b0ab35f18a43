def fetch_rows():
    return ['a', 'b']
