def squares(n):
    return [k * k for k in range(1, n + 1)]
