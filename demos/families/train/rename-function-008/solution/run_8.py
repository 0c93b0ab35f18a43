from store_8 import fetch_rows

print(len(fetch_rows()))
