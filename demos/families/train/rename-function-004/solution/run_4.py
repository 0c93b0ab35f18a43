from store_4 import collect_records

print(len(collect_records()))
