def load_ticket(data):
    return list(data)
