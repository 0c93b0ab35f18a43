import sys

word = sys.argv[1] if len(sys.argv) > 1 else 'hey'
print(' '.join([word] * 3))
