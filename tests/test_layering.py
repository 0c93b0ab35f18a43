"""The layering of docs/architecture.md, enforced: ``lint-imports`` checks the contracts in
pyproject.toml ([tool.importlinter]) over the real import graph, so CI fails on a module that
imports upwards (agent -> limi_cli, training -> agent.backends...) or a cycle in curation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    lint = Path(sys.executable).parent / "lint-imports"
    assert lint.is_file(), f"{lint} is missing: pip install -e '.[dev]' installs import-linter"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: " in result.stdout and " 0 broken" in result.stdout


def test_the_contract_names_every_package_of_ours():
    """A new top-level package must be placed in the layers, not silently left out of the check."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    ours = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"prompts", "tests", "benchmarks", "demos"}
    assert ours == set(config["root_packages"])
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    assert {name.strip() for layer in layers for name in layer.split("|")} == ours
