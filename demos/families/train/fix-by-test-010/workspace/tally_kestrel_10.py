def count_multiples(limit, step):
    found = 0
    for x in range(1, limit):
        if x % step == 0:
            found += 1
    return found
