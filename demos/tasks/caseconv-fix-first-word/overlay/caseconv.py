"""Convert identifiers between snake_case and camelCase."""

import re


def snake_to_camel(name):
    """user_id -> userId"""
    return "".join(word.capitalize() for word in name.split("_"))


def camel_to_snake(name):
    """userId -> user_id"""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
