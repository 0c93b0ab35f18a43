def cube_all(values):
    return [v ** 3 for v in values]
