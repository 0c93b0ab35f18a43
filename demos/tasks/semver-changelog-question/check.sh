[ "$(tr -d '\n' < answer.txt)" = "2.0.0: --output" ]
