from store_12 import gather_lines

print(len(gather_lines()))
