grep -q "| production | eu-central-1 | 6 | 15 |" environments.md && grep -q "| staging | eu-west-1 | 2 | 30 |" environments.md && grep -q "| dev | eu-west-1 | 1 | 60 |" environments.md
