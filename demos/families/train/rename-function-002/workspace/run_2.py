from store_2 import read_entries

print(len(read_entries()))
