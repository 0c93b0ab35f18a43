import argparse

parser = argparse.ArgumentParser()
parser.add_argument('name')
parser.add_argument('--shout', action='store_true')
args = parser.parse_args()
text = f'Hello, {args.name}!'
print(text.upper() if args.shout else text)
