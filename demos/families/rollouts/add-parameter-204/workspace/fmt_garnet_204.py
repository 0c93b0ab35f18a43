def label(name):
    return name.title()
