def first_word(text):
    if not text.split():
        return ''
    return text.split()[0]
