from shop import calc_total

print(calc_total([10, 20]))
