[ "$(head -1 answer.txt)" = "app/routes/orders.py:cancel_order" ]
