from store_202 import gather_lines

print(len(gather_lines()))
