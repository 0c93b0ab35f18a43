for f in beach-day-01.jpg beach-day-02.jpg family-dinner.jpg img_2231.jpg sunset-over-lake.jpg; do [ -f "photos/$f" ] || exit 1; done; [ "$(ls photos | wc -l)" = 5 ] && [ -f photos/.~lock.tmp ]
