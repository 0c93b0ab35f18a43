def join_words(words, sep=' '):
    return sep.join(words)
