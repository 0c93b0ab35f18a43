def identity(x):
    return x


def negate(x):
    return -x
