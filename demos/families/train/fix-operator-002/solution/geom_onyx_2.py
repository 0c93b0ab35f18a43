def average(width, height):
    return (width + height) / 2
