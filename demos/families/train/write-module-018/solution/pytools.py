def percent_of(part, whole):
    return round(100 * part / whole, 1)
