grep -q "SEV1" answer.md && grep -q "15 minutes" answer.md && grep -q "#db-oncall" answer.md && grep -q "Priya Raman" answer.md
