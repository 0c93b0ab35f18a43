def merge_route(data):
    return list(data)
