from store_206 import fetch_rows

print(len(fetch_rows()))
