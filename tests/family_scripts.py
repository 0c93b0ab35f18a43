"""Import a script of demos/families (record_recovery, record_wrong, ...) as a module, as it imports its neighbours."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ROOT / "demos" / "families"


def family_script(name: str):
    sys.path.insert(0, str(FAMILIES))
    sys.path.insert(0, str(ROOT / "demos"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(FAMILIES))
        sys.path.remove(str(ROOT / "demos"))


def call_arguments(call: dict) -> dict:
    """A row's tool call's arguments as a dict (``call`` is the row's call or its ``function``)."""
    a = call.get("function", call)["arguments"]
    return json.loads(a) if isinstance(a, str) else a
