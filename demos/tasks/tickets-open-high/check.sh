[ "$(tr -d " \n" < answer.txt)" = 4 ]
