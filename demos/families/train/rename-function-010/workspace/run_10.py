from store_10 import gather_lines

print(len(gather_lines()))
