import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 3
print(' '.join(str(k) for k in range(n, 0, -1)))
