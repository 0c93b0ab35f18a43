def split_tariff(data):
    return list(data)
