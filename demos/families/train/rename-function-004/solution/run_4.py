from store_4 import gather_lines

print(len(gather_lines()))
