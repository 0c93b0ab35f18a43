"""Copy the user directory into the local cache."""

import json

from client.http import fetch_json

users = fetch_json("https://api.example.com/users")
with open("users.json", "w") as f:
    json.dump(users, f)
