from store_102 import gather_lines

print(len(gather_lines()))
