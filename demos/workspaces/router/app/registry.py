ROUTES = {}


def route(path, methods=("GET",)):
    """Register the decorated handler for path and methods."""
    def register(handler):
        for method in methods:
            ROUTES[(method, path)] = handler
        return handler
    return register
