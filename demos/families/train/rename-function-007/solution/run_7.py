from store_7 import gather_lines

print(len(gather_lines()))
