from store_1 import read_entries

print(len(read_entries()))
