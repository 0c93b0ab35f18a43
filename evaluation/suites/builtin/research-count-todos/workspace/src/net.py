def parse_header(line):
    # TODO: handle folded headers
    key, _, value = line.partition(':')
    return key.strip(), value.strip()
