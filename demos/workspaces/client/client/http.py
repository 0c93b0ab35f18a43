"""HTTP helpers."""

import json
import urllib.request
import warnings

DEFAULT_TIMEOUT_S = 10


def get_json(url, timeout=DEFAULT_TIMEOUT_S):
    """GET url and decode the JSON body."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def fetch_json(url):
    """Deprecated: use get_json."""
    warnings.warn("fetch_json is deprecated; use get_json", DeprecationWarning, stacklevel=2)
    return get_json(url)
