"""Workspace confinement: what resolves inside the root and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.tools.workspace import OutsideWorkspace, Workspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


def test_resolve_relative_path_is_under_root(root):
    assert Workspace(root).resolve("src/a.py") == root.resolve() / "src/a.py"


def test_resolve_root_itself(root):
    assert Workspace(root).resolve(".") == root.resolve()


def test_resolve_allows_missing_path_inside_for_creation(root):
    assert Workspace(root).resolve("new/dir/file.txt") == root.resolve() / "new/dir/file.txt"


def test_resolve_allows_dotdot_that_stays_inside(root):
    assert Workspace(root).resolve("sub/../a.txt") == root.resolve() / "a.txt"


def test_resolve_refuses_dotdot_out(root):
    with pytest.raises(OutsideWorkspace, match="outside the workspace"):
        Workspace(root).resolve("../x.txt")


def test_resolve_refuses_absolute_path_outside(root):
    with pytest.raises(OutsideWorkspace):
        Workspace(root).resolve("/etc/passwd")


def test_resolve_accepts_absolute_path_inside(root):
    assert Workspace(root).resolve(str(root / "a.txt")) == root.resolve() / "a.txt"


def test_resolve_refuses_sibling_with_same_prefix(root):
    sibling = root.parent / (root.name + "2")
    sibling.mkdir()
    with pytest.raises(OutsideWorkspace):
        Workspace(root).resolve(str(sibling / "a.txt"))


def test_resolve_refuses_symlink_out(root):
    (root.parent / "outside").mkdir()
    (root / "link").symlink_to(root.parent / "outside")
    with pytest.raises(OutsideWorkspace):
        Workspace(root).resolve("link/file.txt")


def test_resolve_allows_symlink_that_stays_inside(root):
    (root / "real").mkdir()
    (root / "alias").symlink_to(root / "real")
    assert Workspace(root).resolve("alias/f.txt") == root.resolve() / "real/f.txt"


def test_relative_of_root_is_dot(root):
    ws = Workspace(root)
    assert ws.relative(ws.root) == "."


def test_relative_of_nested_path(root):
    ws = Workspace(root)
    assert ws.relative(root / "src" / "a.py") == "src/a.py"
