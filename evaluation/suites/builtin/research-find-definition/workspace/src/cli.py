from net import parse_header


def main():
    print(parse_header('a: b'))
