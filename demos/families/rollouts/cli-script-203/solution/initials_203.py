import sys

words = sys.argv[1:]
print(''.join(w[0].upper() + '.' for w in words) if words else '?')
