"""Supervised fine-tuning on LIMI rows: dataset -> tokenise + mask -> TRL/transformers -> checkpoint.

Reads only datasets in the LIMI row format (``{"tools", "messages"}``), never raw sessions.
Nothing here imports torch, transformers, trl or peft at module level; the heavy imports
happen inside the functions that train or load models, so the CLI's ``--help`` stays instant.
"""
