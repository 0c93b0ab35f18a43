from store_203 import fetch_rows

print(len(fetch_rows()))
