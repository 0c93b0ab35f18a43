def longest(words):
    best = ''
    for w in words:
        if len(w) > len(best):
            best = w
    return words[0]
