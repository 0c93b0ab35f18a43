from store_6 import collect_records

print(len(collect_records()))
