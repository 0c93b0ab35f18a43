from store_102 import load_items

print(len(load_items()))
