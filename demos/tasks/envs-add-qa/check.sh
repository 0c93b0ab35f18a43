python -c 'import tomllib; q = tomllib.load(open("deploy/qa.toml", "rb")); s = tomllib.load(open("deploy/staging.toml", "rb")); s["service"].update(replicas=1, log_level="debug"); assert q == s, q'
