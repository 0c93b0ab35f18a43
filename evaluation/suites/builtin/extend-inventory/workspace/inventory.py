def add_item(stock, name, count):
    stock[name] = stock.get(name, 0) + count
