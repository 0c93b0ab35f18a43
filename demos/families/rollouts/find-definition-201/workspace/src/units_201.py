# uses RenderRoute

def build_manifest(data):
    return list(data)


def run_0(rows):
    return RenderRoute(rows)
