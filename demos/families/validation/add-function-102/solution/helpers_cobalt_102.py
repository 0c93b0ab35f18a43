def identity(x):
    return x


def half(x):
    return x / 2
