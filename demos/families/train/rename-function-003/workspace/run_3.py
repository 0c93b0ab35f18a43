from store_3 import load_items

print(len(load_items()))
