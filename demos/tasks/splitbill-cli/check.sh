[ "$(python splitbill.py 43.80 4 --tip 10 | tr "\n" " ")" = "12.05 12.05 12.04 12.04 " ] && [ "$(python splitbill.py 10 3 | tr "\n" " ")" = "3.34 3.33 3.33 " ] && python -m pytest -q
