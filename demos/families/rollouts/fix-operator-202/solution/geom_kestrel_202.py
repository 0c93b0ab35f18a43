def difference(width, height):
    return width - height
