def lcm(a, b):
    m = max(a, b)
    while m % a or m % b:
        m += 1
    return m
