[ "$(cat answer.txt)" = "api
worker" ]
