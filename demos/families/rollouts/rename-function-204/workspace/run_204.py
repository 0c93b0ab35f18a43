from store_204 import collect_records

print(len(collect_records()))
