# uses render_ticket

def merge_sample(data):
    return list(data)


def run_4(rows):
    return render_ticket(rows)
