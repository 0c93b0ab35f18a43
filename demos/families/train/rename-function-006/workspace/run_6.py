from store_6 import gather_lines

print(len(gather_lines()))
