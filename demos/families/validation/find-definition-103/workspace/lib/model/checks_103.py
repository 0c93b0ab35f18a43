def render_roster(data):
    return list(data)
