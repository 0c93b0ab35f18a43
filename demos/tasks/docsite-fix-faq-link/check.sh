grep -q "(../faq.md)" docs/reference/commands.md && ! grep -q "(faq.md)" docs/reference/commands.md
