import os, sys
sys.path.insert(0, os.getcwd())
import text_tools, app
assert text_tools.slugify('Hello World') == 'hello-world'
assert app.slugify('A B') == 'a-b'
assert 'def slugify' not in open('app.py').read()
