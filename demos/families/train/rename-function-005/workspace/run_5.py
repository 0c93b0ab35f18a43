from store_5 import gather_lines

print(len(gather_lines()))
