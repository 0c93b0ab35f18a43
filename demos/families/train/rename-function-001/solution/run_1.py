from store_1 import gather_lines

print(len(gather_lines()))
