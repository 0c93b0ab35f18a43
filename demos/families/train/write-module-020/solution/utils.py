def is_power_of_two(n):
    while n > 1 and n % 2 == 0:
        n //= 2
    return n == 1
