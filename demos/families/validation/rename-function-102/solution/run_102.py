from store_102 import read_entries

print(len(read_entries()))
