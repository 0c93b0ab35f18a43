import os, sys
sys.path.insert(0, os.getcwd())
from words import word_count as w
assert w('The cat. the Cat! a dog?') == {'the': 2, 'cat': 2, 'a': 1, 'dog': 1}, w('The cat. the Cat! a dog?')
assert w('') == {}
