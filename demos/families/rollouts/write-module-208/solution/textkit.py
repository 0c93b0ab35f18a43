def second_largest(values):
    return sorted(set(values))[-2]
