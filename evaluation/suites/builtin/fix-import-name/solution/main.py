from shapes import rectangle_area

print(rectangle_area(3, 4))
