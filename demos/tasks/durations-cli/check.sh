[ "$(python dur.py 1h30m)" = 5400 ] && [ "$(python dur.py --format 5400)" = 1h30m ] && { python dur.py 5x 2>/dev/null; [ $? = 2 ]; }
