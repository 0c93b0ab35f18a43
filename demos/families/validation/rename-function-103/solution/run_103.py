from store_103 import gather_lines

print(len(gather_lines()))
