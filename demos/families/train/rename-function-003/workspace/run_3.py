from store_3 import gather_lines

print(len(gather_lines()))
