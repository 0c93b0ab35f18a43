from store_3 import collect_records

print(len(collect_records()))
