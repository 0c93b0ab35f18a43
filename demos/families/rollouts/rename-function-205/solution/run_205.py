from store_205 import read_entries

print(len(read_entries()))
