from typing import Mapping

PRICES: Mapping[str, float]

def price_of(sku: str) -> float: ...
def apply_discount(amount: float, code: str) -> float: ...

class Currency:
    symbol: str
    def format(self, amount: float) -> str: ...
