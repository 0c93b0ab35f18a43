from store_102 import fetch_rows

print(len(fetch_rows()))
