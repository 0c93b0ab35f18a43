python -m pytest -q && python -c 'from datetime import date; from library import Loan; l = Loan("a", "b", date(2024, 3, 1)); l.renew(); assert l.renew() == date(2024, 5, 3)'
