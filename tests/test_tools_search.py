"""list_files, glob and grep: the .gitignore-aware walk, symlinks, caps, and output formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.tools import search
from agent.tools.base import ToolError
from agent.tools.search import GlobTool, GrepTool, ListFilesTool, glob_regex
from agent.tools.workspace import OutsideWorkspace


def put(root: Path, rel: str, text: str = "x\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def ls(ctx, **kw) -> list[str]:
    tool = ListFilesTool()
    return tool.run(tool.Params(**kw), ctx).output.splitlines()


def glob(ctx, pattern, **kw):
    tool = GlobTool()
    return tool.run(tool.Params(pattern=pattern, **kw), ctx)


def grep(ctx, pattern, **kw):
    tool = GrepTool()
    return tool.run(tool.Params(pattern=pattern, **kw), ctx)


# -- list_files ---------------------------------------------------------------------


def test_list_files_shows_direct_entries_with_dir_slash(ctx, ws):
    put(ws, "b.txt")
    put(ws, "src/a.py")
    assert ls(ctx) == ["b.txt", "src/"]


def test_list_files_depth_includes_children(ctx, ws):
    put(ws, "src/pkg/mod.py")
    put(ws, "src/a.py")
    assert ls(ctx, depth=2) == ["src/", "src/a.py", "src/pkg/"]


def test_list_files_of_subdirectory_shows_root_relative_paths(ctx, ws):
    put(ws, "src/a.py")
    assert ls(ctx, path="src") == ["src/a.py"]


def test_list_files_respects_gitignore(ctx, ws):
    put(ws, ".gitignore", "*.log\nbuild/\n")
    put(ws, "app.log")
    put(ws, "build/out.o")
    put(ws, "main.py")
    assert ls(ctx, depth=5) == [".gitignore", "main.py"]


def test_list_files_honors_nested_gitignore(ctx, ws):
    put(ws, "sub/.gitignore", "secret.txt\n")
    put(ws, "sub/secret.txt")
    put(ws, "sub/ok.txt")
    put(ws, "secret.txt")  # the nested rule applies only under sub/
    assert ls(ctx, depth=3) == ["secret.txt", "sub/", "sub/.gitignore", "sub/ok.txt"]


def test_list_files_nested_negation_reincludes_file(ctx, ws):
    put(ws, ".gitignore", "*.log\n")
    put(ws, "sub/.gitignore", "!keep.log\n")
    put(ws, "sub/keep.log")
    put(ws, "sub/drop.log")
    assert ls(ctx, path="sub") == ["sub/.gitignore", "sub/keep.log"]


def test_list_files_of_subdirectory_applies_root_gitignore(ctx, ws):
    put(ws, ".gitignore", "*.tmp\n")
    put(ws, "sub/a.tmp")
    put(ws, "sub/a.py")
    assert ls(ctx, path="sub") == ["sub/a.py"]


def test_list_files_always_skips_git_and_limi(ctx, ws):
    put(ws, ".git/config")
    put(ws, ".limi/sessions/x.jsonl")
    put(ws, "a.py")
    assert ls(ctx, depth=4) == ["a.py"]


def test_list_files_skips_symlink_out_of_workspace(ctx, ws):
    put(ws.parent, "outside/secret.txt")
    (ws / "out").symlink_to(ws.parent / "outside")
    (ws / "out.txt").symlink_to(ws.parent / "outside/secret.txt")
    put(ws, "a.py")
    assert ls(ctx, depth=3) == ["a.py"]


def test_list_files_does_not_descend_into_symlinked_dirs(ctx, ws):
    put(ws, "real/a.py")
    (ws / "loop").symlink_to(ws)  # would recurse forever if followed
    assert ls(ctx, depth=10) == ["loop/", "real/", "real/a.py"]


def test_list_files_caps_entry_count_with_note(ctx, ws, monkeypatch):
    monkeypatch.setattr(search, "MAX_ENTRIES", 3)
    for i in range(6):
        put(ws, f"f{i}.txt")
    out = ls(ctx)
    assert out[:3] == ["f0.txt", "f1.txt", "f2.txt"]
    assert out[3] == "[showing the first 3 entries; list a subdirectory or lower depth]"


def test_list_files_on_a_file_is_an_error(ctx, ws):
    put(ws, "a.py")
    with pytest.raises(ToolError, match="is a file.*read_file"):
        ls(ctx, path="a.py")


def test_list_files_refuses_dotdot(ctx):
    with pytest.raises(OutsideWorkspace):
        ls(ctx, path="..")


def test_list_files_empty_directory_says_so(ctx, ws):
    (ws / "empty").mkdir()
    assert ls(ctx, path="empty") == ["empty is empty"]


# -- glob ---------------------------------------------------------------------------


def test_glob_double_star_matches_every_depth(ctx, ws):
    for rel in ("a.py", "src/b.py", "src/deep/c.py", "src/d.txt"):
        put(ws, rel)
    assert glob(ctx, "**/*.py").output.splitlines() == ["a.py", "src/b.py", "src/deep/c.py"]


def test_glob_single_star_stays_in_one_directory(ctx, ws):
    put(ws, "a.py")
    put(ws, "src/b.py")
    assert glob(ctx, "*.py").output == "a.py"


def test_glob_braces_give_alternatives(ctx, ws):
    for rel in ("x.ts", "y.tsx", "z.js"):
        put(ws, rel)
    assert glob(ctx, "*.{ts,tsx}").output.splitlines() == ["x.ts", "y.tsx"]


def test_glob_respects_gitignore(ctx, ws):
    put(ws, ".gitignore", "node_modules\n")  # no slash: matches the directory too
    put(ws, "node_modules/lib/index.js")
    put(ws, "app.js")
    assert glob(ctx, "**/*.js").output == "app.js"


def test_glob_path_restricts_search_and_pattern_is_relative_to_it(ctx, ws):
    put(ws, "src/a.py")
    put(ws, "tests/b.py")
    assert glob(ctx, "*.py", path="src").output == "src/a.py"


def test_glob_caps_results_with_note(ctx, ws, monkeypatch):
    monkeypatch.setattr(search, "MAX_ENTRIES", 2)
    for i in range(4):
        put(ws, f"f{i}.py")
    obs = glob(ctx, "*.py")
    assert obs.truncated
    assert obs.output.splitlines() == ["f0.py", "f1.py", "[showing 2 of 4 files; use a narrower pattern or path]"]


def test_glob_no_match_says_so(ctx, ws):
    assert glob(ctx, "**/*.rs").output == "no files match '**/*.rs' in ."


def test_glob_absolute_pattern_is_an_error(ctx):
    with pytest.raises(ToolError, match="relative glob"):
        glob(ctx, "/etc/*")


def test_glob_regex_translation():
    rx = glob_regex("src/**/test_[!x]?.py")
    assert rx.fullmatch("src/test_ab.py")
    assert rx.fullmatch("src/a/b/test_ab.py")
    assert not rx.fullmatch("src/test_xb.py")
    assert not rx.fullmatch("lib/test_ab.py")


# -- grep ---------------------------------------------------------------------------


def test_grep_shows_relpath_line_number_and_line(ctx, ws):
    put(ws, "src/m.py", "import os\ndef main():\n    pass\n")
    assert grep(ctx, r"def \w+").output == "src/m.py:2:def main():"


def test_grep_respects_gitignore(ctx, ws):
    put(ws, ".gitignore", "dist/\n")
    put(ws, "dist/bundle.js", "needle\n")
    put(ws, "src.js", "needle\n")
    assert grep(ctx, "needle").output == "src.js:1:needle"


def test_grep_skips_binary_files(ctx, ws):
    (ws / "blob.bin").write_bytes(b"needle\0\x01")
    put(ws, "a.txt", "needle\n")
    assert grep(ctx, "needle").output == "a.txt:1:needle"


def test_grep_glob_without_slash_filters_by_name_anywhere(ctx, ws):
    put(ws, "a.py", "hit\n")
    put(ws, "pkg/b.py", "hit\n")
    put(ws, "c.txt", "hit\n")
    assert grep(ctx, "hit", glob="*.py").output.splitlines() == ["a.py:1:hit", "pkg/b.py:1:hit"]


def test_grep_glob_with_slash_matches_path(ctx, ws):
    put(ws, "src/a.py", "hit\n")
    put(ws, "tests/a.py", "hit\n")
    assert grep(ctx, "hit", glob="src/**/*.py").output == "src/a.py:1:hit"


def test_grep_ignore_case(ctx, ws):
    put(ws, "a.txt", "Hello\nhello\nHELP\n")
    assert grep(ctx, "hello").output == "a.txt:2:hello"
    assert grep(ctx, "hello", ignore_case=True).output.splitlines() == ["a.txt:1:Hello", "a.txt:2:hello"]


def test_grep_context_lines_and_block_separator(ctx, ws):
    put(ws, "a.txt", "".join(f"l{i}\n" for i in range(1, 11)).replace("l2\n", "HIT\n").replace("l8\n", "HIT\n"))
    assert grep(ctx, "HIT", context=1).output.splitlines() == [
        "a.txt-1-l1", "a.txt:2:HIT", "a.txt-3-l3", "--", "a.txt-7-l7", "a.txt:8:HIT", "a.txt-9-l9",
    ]


def test_grep_max_results_stops_with_note(ctx, ws):
    put(ws, "a.txt", "hit\n" * 10)
    obs = grep(ctx, "hit", max_results=3)
    assert obs.truncated
    assert obs.output.splitlines() == [
        "a.txt:1:hit", "a.txt:2:hit", "a.txt:3:hit",
        "[stopped at 3 matches; narrow the pattern, path or glob, or raise max_results]",
    ]


def test_grep_output_is_capped_at_max_output_chars(ctx, ws):
    ctx.max_output_chars = 300
    put(ws, "a.txt", ("needle " + "y" * 50 + "\n") * 100)
    obs = grep(ctx, "needle", max_results=1000)
    assert obs.truncated
    assert len(obs.output) < 450
    assert obs.output.splitlines()[-1].startswith("[stopped at 300 characters")


def test_grep_bad_regex_is_a_clear_error(ctx, ws):
    put(ws, "a.txt")
    with pytest.raises(ToolError, match=r"bad regex 'foo\(': missing \), unterminated subpattern"):
        grep(ctx, "foo(")


def test_grep_searches_a_single_file(ctx, ws):
    put(ws, "a.txt", "needle\n")
    put(ws, "b.txt", "needle\n")
    assert grep(ctx, "needle", path="b.txt").output == "b.txt:1:needle"


def test_grep_no_matches_says_so(ctx, ws):
    put(ws, "a.txt", "hay\n")
    assert grep(ctx, "needle").output == "no matches for 'needle' in ."


def test_grep_refuses_path_outside_workspace(ctx, ws):
    with pytest.raises(OutsideWorkspace):
        grep(ctx, "x", path=str(ws.parent))


def test_grep_skips_symlink_out_of_workspace(ctx, ws):
    put(ws.parent, "secret.txt", "needle\n")
    (ws / "link.txt").symlink_to(ws.parent / "secret.txt")
    put(ws, "a.txt", "needle\n")
    assert grep(ctx, "needle").output == "a.txt:1:needle"


def test_grep_skips_files_over_size_cap(ctx, ws, monkeypatch):
    monkeypatch.setattr(search, "MAX_GREP_FILE_BYTES", 10)
    put(ws, "big.txt", "needle " * 10 + "\n")
    put(ws, "small.txt", "needle\n")
    assert grep(ctx, "needle").output.splitlines() == ["small.txt:1:needle", "[skipped 1 files over 10 MB]"]


def test_list_files_ignores_invalid_gitignore_lines(ctx, ws):
    put(ws, ".gitignore", "!\n\\\n*.log\n")
    put(ws, "a.log")
    put(ws, "a.py")
    assert ls(ctx) == [".gitignore", "a.py"]


def test_list_files_honors_git_info_exclude(ctx, ws):
    put(ws, ".git/info/exclude", "local.txt\n")
    put(ws, "local.txt")
    put(ws, "a.py")
    assert ls(ctx) == ["a.py"]


def test_grep_context_separates_files_and_merges_adjacent_blocks(ctx, ws):
    put(ws, "a.txt", "HIT\nx\nHIT\n")
    put(ws, "b.txt", "HIT\ny\n")
    assert grep(ctx, "HIT", context=1).output.splitlines() == [
        "a.txt:1:HIT", "a.txt-2-x", "a.txt:3:HIT", "--", "b.txt:1:HIT", "b.txt-2-y",
    ]


def test_grep_cuts_very_long_lines(ctx, ws):
    put(ws, "min.js", "needle" + "z" * 5000 + "\n")
    assert grep(ctx, "needle").output == "min.js:1:needle" + "z" * 494 + " [... line cut]"


def test_glob_and_list_files_are_capped_at_max_output_chars(ctx, ws):
    ctx.max_output_chars = 300
    for n in range(60):
        put(ws, f"pkg/module_with_a_long_name_{n:02d}.py")
    obs = glob(ctx, "**/*.py")
    assert obs.truncated and len(obs.output) < 400
    *paths, note = obs.output.splitlines()
    assert paths == sorted(paths) and len(paths) < 60 and all(p.startswith("pkg/module_") for p in paths)
    assert note == f"[showing {len(paths)} of 60 files; use a narrower pattern or path]"
    listing = ListFilesTool().run(ListFilesTool.Params(path=".", depth=2), ctx)
    assert listing.truncated and len(listing.output) < 400
    assert listing.output.splitlines()[-1].startswith("[showing the first ")


def test_a_small_context_window_caps_each_tool_result():
    from agent.session_builder import output_cap

    assert output_cap(16_000, 8192) == 8192  # the embedded model: a glob of a big tree fits its window
    assert output_cap(16_000, 131_072) == 16_000
    assert output_cap(16_000, None) == 16_000
