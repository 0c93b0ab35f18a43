def read_entries():
    return ['a', 'b']
