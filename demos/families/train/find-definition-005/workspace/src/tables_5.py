# uses merge_route

def split_roster(data):
    return list(data)


def run_0(rows):
    return merge_route(rows)
