def pad(text, width, fill=' '):
    return text.ljust(width, fill)
