from store_201 import collect_records

print(len(collect_records()))
