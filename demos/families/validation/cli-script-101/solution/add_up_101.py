import sys

print(sum(int(a) for a in sys.argv[1:]))
