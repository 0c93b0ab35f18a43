def collect_records():
    return ['a', 'b']
