from store_201 import fetch_rows

print(len(fetch_rows()))
