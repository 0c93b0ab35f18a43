def load_items():
    return ['a', 'b']
