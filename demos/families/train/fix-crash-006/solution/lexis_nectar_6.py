def shortest(words):
    if not words:
        return None
    return min(words, key=len)
