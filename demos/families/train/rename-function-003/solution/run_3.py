from store_3 import fetch_rows

print(len(fetch_rows()))
