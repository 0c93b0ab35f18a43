from store_2 import gather_lines

print(len(gather_lines()))
