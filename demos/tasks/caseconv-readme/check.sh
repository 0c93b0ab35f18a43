grep -q "Run the tests with" README.md && grep -q "snake_to_camel(\"max_retry_count\")" README.md && grep -q "camel_to_snake" README.md
