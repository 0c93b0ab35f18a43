# uses render_roster

def load_manifest(data):
    return list(data)


def run_1(rows):
    return render_roster(rows)
