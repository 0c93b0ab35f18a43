from app.routes import accounts, health, orders  # noqa: F401  (importing registers the routes)
