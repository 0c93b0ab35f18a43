from store_4 import load_items

print(len(load_items()))
