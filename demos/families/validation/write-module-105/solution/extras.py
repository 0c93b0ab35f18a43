def count_upper(text):
    return sum(1 for ch in text if ch.isupper())
