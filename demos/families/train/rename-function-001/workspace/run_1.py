from store_1 import collect_records

print(len(collect_records()))
