def gather_lines():
    return ['a', 'b']
