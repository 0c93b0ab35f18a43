def product(values):
    result = 1
    for v in values:
        result *= v
    return result
