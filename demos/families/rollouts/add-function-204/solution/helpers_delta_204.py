def identity(x):
    return x


def plus_ten(x):
    return x + 10
