[ "$(head -1 answer.txt)" = "greenhouse-2 2024-05-01T12:00 31.4" ]
