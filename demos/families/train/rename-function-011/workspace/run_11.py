from store_11 import fetch_rows

print(len(fetch_rows()))
