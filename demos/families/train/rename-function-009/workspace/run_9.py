from store_9 import collect_records

print(len(collect_records()))
