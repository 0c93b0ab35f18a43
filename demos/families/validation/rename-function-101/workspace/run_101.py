from store_101 import gather_lines

print(len(gather_lines()))
