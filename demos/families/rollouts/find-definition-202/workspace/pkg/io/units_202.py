def load_badge(data):
    return list(data)
