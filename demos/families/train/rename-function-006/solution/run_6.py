from store_6 import fetch_rows

print(len(fetch_rows()))
