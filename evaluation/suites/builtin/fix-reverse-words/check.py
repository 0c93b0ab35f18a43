import os, sys
sys.path.insert(0, os.getcwd())
from text import reverse_words as r
assert r('a b c') == 'c b a', r('a b c')
assert r('hello world') == 'world hello'
assert r('one') == 'one'
