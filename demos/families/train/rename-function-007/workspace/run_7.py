from store_7 import read_entries

print(len(read_entries()))
