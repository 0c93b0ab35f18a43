def read(path):
    # TODO: encoding
    return open(path).read()
