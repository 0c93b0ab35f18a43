def initial(name):
    if not name:
        return ''
    return name[0].upper()
