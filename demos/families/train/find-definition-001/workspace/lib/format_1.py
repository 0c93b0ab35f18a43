def merge_badge(data):
    return list(data)
