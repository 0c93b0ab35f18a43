import sys

print(sum(len(a) for a in sys.argv[1:]))
