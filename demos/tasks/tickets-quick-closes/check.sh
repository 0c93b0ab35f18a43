[ "$(cat answer.txt)" = "T-101
T-103
T-109
T-112" ]
