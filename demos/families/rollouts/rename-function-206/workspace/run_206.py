from store_206 import gather_lines

print(len(gather_lines()))
