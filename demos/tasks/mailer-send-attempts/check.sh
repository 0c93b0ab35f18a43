grep -qx "attempts: 4" answer.txt && grep -qx "first wait: 1.5 seconds" answer.txt
