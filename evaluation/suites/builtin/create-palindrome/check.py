import os, sys
sys.path.insert(0, os.getcwd())
from palindrome import is_palindrome as p
assert p('A man, a plan, a canal: Panama')
assert p('')
assert p('No lemon, no melon')
assert not p('hello')
assert not p('ab')
