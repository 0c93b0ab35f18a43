def perimeter(width, height):
    return 2 * (width - height)
