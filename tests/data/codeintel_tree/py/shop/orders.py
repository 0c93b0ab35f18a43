from shop import Cart, apply_discount
from shop.cart import open_cart, MAX_ITEMS
from shop.pricing import Currency, price_of


class Order:
    def __init__(self, cart: Cart):
        self.cart = cart
        self.paid = False

    def pay(self, code=None):
        total = self.cart.checkout(code)
        self.paid = True
        return Currency().format(total)


class RushOrder(Order):
    def pay(self, code=None):
        return super().pay(code) + " (rush)"


def place(owner, skus):
    cart = open_cart(owner)
    for sku in skus[:MAX_ITEMS]:
        cart.add(sku)
    order = Order(cart)
    return order.pay()


def quote(skus):
    return sum(price_of(s) for s in skus), apply_discount(10.0, "TEN")


def main():
    print(place("ann", ["apple", "pear"]))
    print(quote(["melon"]))


if __name__ == "__main__":
    main()
