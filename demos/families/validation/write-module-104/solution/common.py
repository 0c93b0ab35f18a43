def first_item(items):
    if not items:
        return None
    return items[0]
