def format_price(amount):
    return f'${amount:.2f}'
