from store_2 import fetch_rows

print(len(fetch_rows()))
