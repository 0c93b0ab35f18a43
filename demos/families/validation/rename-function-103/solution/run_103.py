from store_103 import fetch_rows

print(len(fetch_rows()))
