grep -q "log_level = \"warning\"" deploy/production.toml && grep -q "log_level = \"info\"" deploy/staging.toml && grep -q "log_level = \"debug\"" deploy/dev.toml
