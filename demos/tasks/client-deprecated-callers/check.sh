[ "$(sort answer.txt)" = "$(printf "client/reports.py:5\nclient/users.py:11\nclient/users.py:7\nscripts/sync.py:7" | sort)" ]
