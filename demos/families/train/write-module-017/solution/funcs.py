def km_to_miles(km):
    return round(km * 0.621371, 2)
