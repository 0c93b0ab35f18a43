def shorten(text, limit, marker='...'):
    if len(text) <= limit:
        return text
    return text[:limit] + marker
