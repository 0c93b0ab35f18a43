[ "$(head -1 answer.txt)" = "T-102 Export drops last row" ]
