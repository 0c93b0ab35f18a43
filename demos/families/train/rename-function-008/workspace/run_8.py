from store_8 import read_entries

print(len(read_entries()))
