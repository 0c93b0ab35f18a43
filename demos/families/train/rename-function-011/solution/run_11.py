from store_11 import gather_lines

print(len(gather_lines()))
