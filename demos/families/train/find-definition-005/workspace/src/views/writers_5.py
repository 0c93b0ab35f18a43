# uses merge_route

def clean_manifest(data):
    return list(data)


def run_1(rows):
    return merge_route(rows)
