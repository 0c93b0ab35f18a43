import os, sys
sys.path.insert(0, os.getcwd())
from stack import Stack
s = Stack()
assert s.peek() is None
assert len(s) == 0
s.push(1); s.push(2)
assert s.peek() == 2 and len(s) == 2
assert s.pop() == 2 and len(s) == 1 and s.peek() == 1
