[ "$(sed -n 1p answer.txt)" = data/events-feb.jsonl ] && [ "$(sed -n 2p answer.txt)" = data/events-jan.jsonl ]
