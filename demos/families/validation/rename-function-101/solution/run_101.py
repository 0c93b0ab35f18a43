from store_101 import fetch_rows

print(len(fetch_rows()))
