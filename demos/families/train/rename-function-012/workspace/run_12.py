from store_12 import collect_records

print(len(collect_records()))
