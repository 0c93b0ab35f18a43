"""The code index (cache reuse, incremental updates, .gitignore), the repo map, and the code tools."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agent.codeintel.index import CodeIndex
from agent.codeintel.repomap import estimate_tokens, pagerank, rank_definitions, repo_map
from agent.tools.base import ToolContext, ToolError
from agent.tools.code import FindReferencesTool, FindSymbolTool, OutlineTool
from agent.tools.workspace import Workspace
from tests.test_codeintel_parser import SAMPLES


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    for filename, source in SAMPLES.values():
        (root / "src").mkdir(exist_ok=True)
        (root / "src" / filename).write_text(source)
    (root / "README.md").write_text("not code\n")
    return root


def _touch_later(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_second_index_reuses_the_cache_and_parses_nothing(ws: Path, tmp_path: Path) -> None:
    first = CodeIndex(ws, tmp_path / "ix.sqlite")
    stats = first.refresh()
    assert stats.parsed == stats.files == len(SAMPLES)
    second = CodeIndex(ws, tmp_path / "ix.sqlite")
    stats = second.refresh()
    assert (stats.files, stats.parsed, second.parse_count) == (len(SAMPLES), 0, 0)
    assert second.files == first.files


def test_only_changed_files_are_reparsed_and_removed_ones_dropped(ws: Path, tmp_path: Path) -> None:
    CodeIndex(ws, tmp_path / "ix.sqlite").refresh()
    _touch_later(ws / "src" / "shapes.py", "def brand_new():\n    pass\n")
    (ws / "src" / "shapes.go").unlink()
    (ws / "src" / "extra.rs").write_text("fn extra() {}\n")
    index = CodeIndex(ws, tmp_path / "ix.sqlite")
    stats = index.refresh()
    assert (stats.parsed, stats.removed, index.parse_count) == (2, 1, 2)
    assert [s.name for s in index.files["src/shapes.py"].definitions] == ["brand_new"]
    assert "src/shapes.go" not in index.files
    assert CodeIndex(ws, tmp_path / "ix.sqlite").refresh().parsed == 0  # the update reached the cache


def test_gitignored_and_unknown_files_are_not_indexed(ws: Path, tmp_path: Path) -> None:
    (ws / ".gitignore").write_text("build/\n")
    (ws / "build").mkdir()
    (ws / "build" / "gen.py").write_text("def generated(): pass\n")
    index = CodeIndex(ws, tmp_path / "ix.sqlite")
    index.refresh()
    assert "build/gen.py" not in index.files
    assert "README.md" not in index.files


def test_a_corrupt_cache_is_rebuilt(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    cache.write_bytes(b"not a database at all" * 100)
    index = CodeIndex(ws, cache)
    assert index.refresh().parsed == len(SAMPLES)


def _project(root: Path) -> None:
    """core.py defines a helper used everywhere; the others use it and define little else."""
    root.mkdir(exist_ok=True)
    (root / "core.py").write_text("def load_settings(path):\n    return {}\n\n\ndef rarely_used():\n    pass\n")
    for i in range(6):
        (root / f"user{i}.py").write_text(
            f"from core import load_settings\n\n\ndef feature_{i}():\n    return load_settings('a'), load_settings('b')\n")
    (root / "lonely.py").write_text("def lonely_function():\n    return 1\n")


def test_repo_map_ranks_a_heavily_referenced_symbol_first(tmp_path: Path) -> None:
    _project(tmp_path / "p")
    index = CodeIndex(tmp_path / "p", tmp_path / "ix.sqlite")
    index.refresh()
    ranked = rank_definitions(index)
    assert ranked[0][:2] == ("core.py", "load_settings")
    text = repo_map(index, 1000)
    assert text.startswith("core.py:\n    1│def load_settings(path):")


@pytest.mark.parametrize("budget", [10, 40, 80, 200])
def test_repo_map_fits_the_token_budget(tmp_path: Path, budget: int) -> None:
    _project(tmp_path / "p")
    index = CodeIndex(tmp_path / "p", tmp_path / "ix.sqlite")
    index.refresh()
    text = repo_map(index, budget)
    assert estimate_tokens(text) <= budget
    if budget >= 40:
        assert "load_settings" in text
    assert len(repo_map(index, budget * 2)) >= len(text)


def test_pagerank_sums_to_one_and_favours_the_target_of_many_edges() -> None:
    edges = {"a": {"hub": 1.0}, "b": {"hub": 1.0}, "c": {"hub": 1.0, "a": 1.0}}
    rank = pagerank(edges, ["a", "b", "c", "hub"])
    assert abs(sum(rank.values()) - 1) < 1e-6
    assert max(rank, key=rank.get) == "hub"


# -- the tools ------------------------------------------------------------------------


@pytest.fixture
def ctx(ws: Path) -> ToolContext:
    return ToolContext(workspace=Workspace(ws))


def test_find_symbol_exact(ctx: ToolContext) -> None:
    out = FindSymbolTool().run(FindSymbolTool.Params(name="total_area"), ctx).output
    lines = out.splitlines()
    assert {line.split(":")[0] for line in lines} == {"src/shapes.py", "src/shapes.rs", "src/shapes.c", "src/shapes.cpp"}
    assert "src/shapes.py:16-17 function total_area: def total_area(shapes):" in lines


def test_find_symbol_fuzzy_and_kind_filter(ctx: ToolContext) -> None:
    out = FindSymbolTool().run(FindSymbolTool.Params(name="totl_area"), ctx).output
    assert out.startswith("[no exact match; closest names: total_area")
    out = FindSymbolTool().run(FindSymbolTool.Params(name="CIRCLE"), ctx).output
    assert out.startswith("[matched ignoring case]")
    out = FindSymbolTool().run(FindSymbolTool.Params(name="Circle", kind="struct"), ctx).output
    assert out.splitlines() == ["src/shapes.go:9-11 struct Circle: type Circle struct {",
                                "src/shapes.rs:5-7 struct Circle: pub struct Circle {"]


def test_find_symbol_says_when_nothing_matches(ctx: ToolContext) -> None:
    out = FindSymbolTool().run(FindSymbolTool.Params(name="zzzqqq"), ctx).output
    assert out == "no definition named 'zzzqqq'; try find_references or grep"


def test_find_references_lists_uses_with_source_lines(ctx: ToolContext) -> None:
    out = FindReferencesTool().run(FindReferencesTool.Params(name="circle_area"), ctx).output
    assert "defined at: src/shapes.c:11 function circle_area" in out
    assert "src/shapes.c:20: total += circle_area(&cs[i]);" in out


def test_find_references_refuses_a_dotted_name(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="not an identifier"):
        FindReferencesTool().run(FindReferencesTool.Params(name="self.area"), ctx)


def test_find_references_sees_an_edit_made_after_the_first_call(ctx: ToolContext, ws: Path) -> None:
    FindReferencesTool().run(FindReferencesTool.Params(name="total_area"), ctx)
    _touch_later(ws / "src" / "main.py", "from shapes import total_area\nprint(total_area([]))\n")
    out = FindReferencesTool().run(FindReferencesTool.Params(name="total_area", path="src/main.py"), ctx).output
    assert "src/main.py:2: print(total_area([]))" in out


def test_outline_nests_methods_with_line_ranges(ctx: ToolContext) -> None:
    out = OutlineTool().run(OutlineTool.Params(path="src/shapes.py"), ctx).output
    assert out.splitlines() == [
        "src/shapes.py (python):",
        "  variable SCALE  L3-3",
        "  class Circle  L6-13",
        "    method __init__  L9-10",
        "    method area  L12-13",
        "  function total_area  L16-17",
    ]


def test_outline_errors_say_what_to_do(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="use read_file"):
        OutlineTool().run(OutlineTool.Params(path="README.md"), ctx)
    with pytest.raises(ToolError, match="file not found"):
        OutlineTool().run(OutlineTool.Params(path="nope.py"), ctx)
    with pytest.raises(ToolError, match="is a directory"):
        OutlineTool().run(OutlineTool.Params(path="src"), ctx)


def test_the_index_cache_lives_under_the_user_cache_dir(ctx: ToolContext, cache_home: Path) -> None:
    FindSymbolTool().run(FindSymbolTool.Params(name="Circle"), ctx)
    assert list((cache_home / "limi-cli" / "codeintel").glob("ws-*.sqlite"))
