from store_205 import load_items

print(len(load_items()))
