def format_price(amount, currency='$'):
    return f'{currency}{amount:.2f}'
