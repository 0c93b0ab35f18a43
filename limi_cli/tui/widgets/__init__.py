"""The chat's widgets, one a file. They render what they are given and hold no session logic."""
