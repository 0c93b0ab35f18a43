"""Message templates with {placeholders}."""

import re

_FIELD = re.compile(r"\{(\w+)\}")


def render(template, **values):
    """Fill each {name} in template with values[name]."""
    return _FIELD.sub(lambda m: str(values[m.group(1)]), template)
