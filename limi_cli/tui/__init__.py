"""The interactive chat: a Textual app (:mod:`limi_cli.tui.app`) and the pieces it shares
with prompt-toolkit line mode (history, ``@path`` mentions, ``/`` commands, approvals).

Nothing here imports Textual at package import time; :func:`limi_cli.tui.launch.run_chat`
picks the front end and imports it.
"""
