def count_odd(values):
    return sum(1 for v in values if v % 2)
