def initial(name):
    return name[0].upper()
