from store_2 import collect_records

print(len(collect_records()))
