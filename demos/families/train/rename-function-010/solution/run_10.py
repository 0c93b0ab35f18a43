from store_10 import collect_records

print(len(collect_records()))
