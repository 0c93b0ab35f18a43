from store_10 import fetch_rows

print(len(fetch_rows()))
