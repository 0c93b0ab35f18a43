from client import http


def weekly(team):
    data = http.fetch_json(f"https://reports.example.com/weekly/{team}")
    return data["summary"]
