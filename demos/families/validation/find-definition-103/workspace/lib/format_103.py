# uses render_roster

def build_badge(data):
    return list(data)


def run_0(rows):
    return render_roster(rows)
