from store_7 import collect_records

print(len(collect_records()))
