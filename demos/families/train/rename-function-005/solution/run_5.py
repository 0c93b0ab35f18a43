from store_5 import fetch_rows

print(len(fetch_rows()))
