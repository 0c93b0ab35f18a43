[ "$(ls by_month)" = "$(printf "2024-01.csv\n2024-02.csv\n2024-03.csv")" ] && [ "$(grep -c . by_month/2024-02.csv)" = 4 ] && head -1 by_month/2024-01.csv | grep -q "^date,payer,amount_eur$"
