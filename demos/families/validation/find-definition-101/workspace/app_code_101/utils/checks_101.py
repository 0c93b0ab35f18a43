def load_route(data):
    return list(data)
