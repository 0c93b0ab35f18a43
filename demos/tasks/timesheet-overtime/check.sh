[ "$(cat answer.txt)" = "lea 2024-04-01 8.5
marco 2024-04-02 9.5
lea 2024-04-04 9" ]
