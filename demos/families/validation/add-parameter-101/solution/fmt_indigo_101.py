def ratio(part, whole, digits=2):
    return round(part / whole, digits)
