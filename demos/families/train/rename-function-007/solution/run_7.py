from store_7 import load_items

print(len(load_items()))
