grep -qx "pool max: 12" answer.txt && grep -qx "search: false" answer.txt
