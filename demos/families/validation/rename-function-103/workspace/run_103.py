from store_103 import collect_records

print(len(collect_records()))
