def percent(part, whole):
    return f'{round(100 * part / whole)}%'
