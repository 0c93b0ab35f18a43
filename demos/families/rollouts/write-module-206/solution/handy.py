def merge_dicts(a, b):
    merged = dict(a)
    merged.update(b)
    return merged
