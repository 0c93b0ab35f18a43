grep -qx "docs/install.md: troubleshooting.md" answer.txt && grep -qx "docs/reference/commands.md: faq.md" answer.txt && [ "$(grep -c . answer.txt)" = 2 ]
