def difference(width, height):
    return height - width
