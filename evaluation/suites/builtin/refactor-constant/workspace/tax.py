def tax(amount):
    return amount * 0.2


def with_tax(amount):
    return amount * (1 + 0.2)
