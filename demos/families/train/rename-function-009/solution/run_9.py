from store_9 import gather_lines

print(len(gather_lines()))
