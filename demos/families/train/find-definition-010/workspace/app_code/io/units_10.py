def render_ticket(data):
    return list(data)
