"""The built-in tools. :func:`default_tools` gives the set a session offers."""
