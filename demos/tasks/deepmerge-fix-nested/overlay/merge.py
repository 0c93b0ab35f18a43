"""Merge configuration dictionaries: later layers override earlier ones."""

import json


def deep_merge(base, override):
    """A new dict: base with override applied; nested dicts are merged key by key."""
    result = dict(base)
    result.update(override)
    return result


def load_layers(*paths):
    """Merge the JSON files in order."""
    config = {}
    for path in paths:
        with open(path) as f:
            config = deep_merge(config, json.load(f))
    return config
