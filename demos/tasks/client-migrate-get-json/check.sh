[ "$(grep -rl fetch_json --include=*.py . | sort)" = "./client/http.py" ] && python -m py_compile scripts/sync.py && python -c "import client.users, client.reports; from client.users import get_user"
