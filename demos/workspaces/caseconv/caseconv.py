"""Convert identifiers between snake_case and camelCase."""

import re


def snake_to_camel(name):
    """user_id -> userId"""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


def camel_to_snake(name):
    """userId -> user_id"""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
