def build_route(data):
    return list(data)
