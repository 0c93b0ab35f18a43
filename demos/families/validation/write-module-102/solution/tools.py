def kg_to_pounds(kg):
    return round(kg * 2.20462, 1)
