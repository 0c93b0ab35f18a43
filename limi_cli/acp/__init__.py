"""limi-cli as an Agent Client Protocol agent (``limi-cli acp``): editors and terminal front ends
drive the same sessions as the chat, over JSON-RPC on stdio. :mod:`limi_cli.acp.server` is the
agent, :mod:`limi_cli.acp.updates` maps session events to ``session/update`` notifications,
:mod:`limi_cli.acp.tools` routes file tools through the client, :mod:`limi_cli.acp.stdio` is
the transport. Nothing here is imported by ``limi-cli --help``: the command's handler loads it.
"""
