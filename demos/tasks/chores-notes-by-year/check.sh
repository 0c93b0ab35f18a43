[ -f notes/2023/2023-11-02-retro.md ] && [ -f notes/2024/2024-02-27-design-review.md ] && [ "$(ls notes/*.md 2>/dev/null | wc -l)" = 0 ] && [ "$(find notes -name "*.md" | wc -l)" = 5 ]
