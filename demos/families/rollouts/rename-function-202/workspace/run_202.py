from store_202 import load_items

print(len(load_items()))
