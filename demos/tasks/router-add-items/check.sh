python -c 'import app.routes; from app.registry import ROUTES; h = ROUTES[("GET", "/api/orders/<id>/items")]; assert h({}, "3") == {"id": "3", "items": []} and len(ROUTES) == 8'
