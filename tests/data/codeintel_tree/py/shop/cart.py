from __future__ import annotations

from dataclasses import dataclass, field

from shop.pricing import apply_discount, price_of

MAX_ITEMS = 100
_registry: dict[str, "Cart"] = {}


@dataclass
class LineItem:
    sku: str
    quantity: int = 1

    def total(self) -> float:
        return price_of(self.sku) * self.quantity


@dataclass
class Cart:
    owner: str
    items: list[LineItem] = field(default_factory=list)

    class Empty(Exception):
        """Raised when checking out a cart with nothing in it."""

    def add(self, sku: str, quantity: int = 1) -> LineItem:
        if len(self.items) >= MAX_ITEMS:
            raise ValueError("cart is full")
        item = LineItem(sku, quantity)
        self.items.append(item)
        return item

    def subtotal(self) -> float:
        return sum(item.total() for item in self.items)

    def checkout(self, code: str | None = None) -> float:
        if not self.items:
            raise Cart.Empty(self.owner)
        amount = self.subtotal()
        if code:
            amount = apply_discount(amount, code)
        _registry.pop(self.owner, None)
        return round(amount, 2)

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @staticmethod
    def for_owner(owner: str) -> "Cart":
        cart = _registry.get(owner)
        if cart is None:
            cart = _registry[owner] = Cart(owner)
        return cart


def open_cart(owner):
    return Cart.for_owner(owner)
