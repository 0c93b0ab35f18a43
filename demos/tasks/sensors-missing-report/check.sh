grep -qx "temp_c: 2" missing.md && grep -qx "humidity: 1" missing.md && grep -q "cellar 2024-05-01T18:00" missing.md
