[ "$(tr -d " \n" < answer.txt)" = 2 ]
