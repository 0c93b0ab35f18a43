"""Small helpers for building API URLs."""

from urllib.parse import urlencode


def join_url(base, *parts):
    """Join a base URL and path parts with exactly one slash between them."""
    url = base.rstrip("/")
    for part in parts:
        url += "/" + str(part)
    return url
