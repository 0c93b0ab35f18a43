[ -z "$(find . -name "*.tmp" -not -path "./.git/*")" ] && [ -f exports/final.mp4 ] && [ -f exports/teaser.mp4 ] && [ "$(ls photos | wc -l)" = 5 ]
