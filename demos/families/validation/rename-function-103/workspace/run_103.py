from store_103 import load_items

print(len(load_items()))
