from store_204 import load_items

print(len(load_items()))
