from client.http import fetch_json

API = "https://api.example.com"


def get_user(user_id):
    return fetch_json(f"{API}/users/{user_id}")


def list_admins():
    return [u for u in fetch_json(f"{API}/users") if u.get("admin")]
