def percent(part, whole, suffix='%'):
    return f'{round(100 * part / whole)}{suffix}'
