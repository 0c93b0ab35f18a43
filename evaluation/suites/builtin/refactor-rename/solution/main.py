from shop import total_price

print(total_price([10, 20]))
