def ratio(part, whole):
    return round(part / whole, 2)
