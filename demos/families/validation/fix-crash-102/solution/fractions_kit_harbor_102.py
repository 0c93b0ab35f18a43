def share(part, whole):
    if whole == 0:
        return 0.0
    return part / whole
