from store_12 import fetch_rows

print(len(fetch_rows()))
