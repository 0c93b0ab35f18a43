"""Version strings of the form MAJOR.MINOR.PATCH (an optional leading "v")."""


def parse(version):
    """(major, minor, patch) of a version string like "1.4.2" or "v2.0.1"."""
    parts = version.strip().lstrip("v").split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"bad version: {version!r}")
    return tuple(int(p) for p in parts)


def newer(a, b):
    """True when version a is newer than version b."""
    return a.lstrip("v") > b.lstrip("v")
