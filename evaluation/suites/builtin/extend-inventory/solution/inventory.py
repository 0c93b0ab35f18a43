def add_item(stock, name, count):
    stock[name] = stock.get(name, 0) + count


def remove_item(stock, name, count):
    if name not in stock:
        raise KeyError(name)
    stock[name] -= count
    if stock[name] <= 0:
        del stock[name]
