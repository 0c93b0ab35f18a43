from client.http import get_json

API = "https://api.example.com"


def invoices(account):
    return get_json(f"{API}/accounts/{account}/invoices", timeout=30)
