from store_8 import gather_lines

print(len(gather_lines()))
