# uses render_roster

def build_route(data):
    return list(data)


def run_4(rows):
    return render_roster(rows)
