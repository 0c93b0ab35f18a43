from store_11 import load_items

print(len(load_items()))
