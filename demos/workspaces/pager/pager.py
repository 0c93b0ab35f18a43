"""Split lists of items into numbered pages."""


def page_count(total, per_page):
    """How many pages total items fill, per_page items a page."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    return (total + per_page - 1) // per_page


def get_page(items, number, per_page):
    """The items on page `number` (pages start at 1)."""
    if number < 1:
        raise ValueError("pages start at 1")
    start = (number - 1) * per_page
    return items[start:start + per_page]
