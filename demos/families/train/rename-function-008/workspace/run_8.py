from store_8 import load_items

print(len(load_items()))
