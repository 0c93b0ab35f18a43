"""A small shop: carts, prices and orders."""

from shop.cart import Cart, LineItem
from shop.pricing import apply_discount, price_of

__all__ = ["Cart", "LineItem", "apply_discount", "price_of"]
VERSION = "1.2.0"
