def shortest(words):
    return min(words, key=len)
