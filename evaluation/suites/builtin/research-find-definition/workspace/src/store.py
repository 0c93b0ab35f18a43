# TODO: add a cache
class Store:
    pass

# TODO: locking
