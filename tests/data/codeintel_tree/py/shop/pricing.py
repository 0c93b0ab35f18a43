import re

PRICES = {"apple": 0.5, "pear": 0.75, "melon": 3.0}
DISCOUNTS = {"TEN": 0.10, "HALF": 0.50}
_CODE = re.compile(r"^[A-Z]+$")


def price_of(sku):
    # price_of is looked up by sku; unknown skus cost nothing
    try:
        return PRICES[sku]
    except KeyError:
        return 0.0


def apply_discount(amount, code):
    """apply_discount(amount, code) -> discounted amount."""
    if not _CODE.match(code):
        raise ValueError(f"bad code {code!r}: {amount}")
    rate = DISCOUNTS.get(code, 0.0)
    return amount * (1 - rate)


def very_long_function_name_that_goes_on_and_on(first_argument_with_a_long_name, second_argument_with_a_long_name, third_argument_with_a_long_name=None):
    return first_argument_with_a_long_name, second_argument_with_a_long_name, third_argument_with_a_long_name


class Currency:
    symbol = "€"

    def format(self, amount):
        return f"{self.symbol}{amount:.2f} ({price_of('apple')})"

    async def fetch_rates(self):
        async with self.session() as s:
            return await s.get()

    def session(self):
        lambda_like = lambda x: x  # noqa: E731
        return lambda_like(self)


if True:
    def conditional_helper():
        return Currency().format(1)
