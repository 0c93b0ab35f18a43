from store_203 import collect_records

print(len(collect_records()))
