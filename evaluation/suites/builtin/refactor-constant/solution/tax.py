TAX_RATE = 0.2


def tax(amount):
    return amount * TAX_RATE


def with_tax(amount):
    return amount * (1 + TAX_RATE)
