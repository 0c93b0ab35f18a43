def label(name, prefix=''):
    return prefix + name.title()
