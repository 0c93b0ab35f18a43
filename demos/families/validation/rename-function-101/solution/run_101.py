from store_101 import read_entries

print(len(read_entries()))
