"""read_file, write_file and edit on real files, plus the tool registry."""

from __future__ import annotations


import pytest

from agent.tools import files
from agent.tools.base import ToolError
from agent.tools.files import EditTool, ReadFileTool, WriteFileTool
from agent.tools.registry import ALL_TOOLS, default_tools, tool_specs
from agent.tools.workspace import OutsideWorkspace


def read(ctx, path, **kw):
    tool = ReadFileTool()
    return tool.run(tool.Params(path=path, **kw), ctx)


def write(ctx, path, content):
    tool = WriteFileTool()
    return tool.run(tool.Params(path=path, content=content), ctx)


def edit(ctx, path, old, new, **kw):
    tool = EditTool()
    return tool.run(tool.Params(path=path, old_string=old, new_string=new, **kw), ctx)


def numbered(n: int) -> str:
    return "".join(f"line {i}\n" for i in range(1, n + 1))


# -- read_file --------------------------------------------------------------------


def test_read_file_numbers_lines_like_cat_n(ctx, ws):
    (ws / "a.txt").write_text("first\nsecond\n")
    assert read(ctx, "a.txt").output == "     1\tfirst\n     2\tsecond"


def test_read_file_offset_and_limit_say_there_is_more(ctx, ws):
    (ws / "a.txt").write_text(numbered(5))
    out = read(ctx, "a.txt", offset=2, limit=2).output
    assert out == "     2\tline 2\n     3\tline 3\n[lines 2-3 of 5; use offset=4 to read more]"


def test_read_file_default_limit_is_2000_lines(ctx, ws):
    ctx.max_output_chars = 100_000
    (ws / "big.txt").write_text(numbered(2500))
    out = read(ctx, "big.txt").output.splitlines()
    assert out[-2] == "  2000\tline 2000"
    assert out[-1] == "[lines 1-2000 of 2500; use offset=2001 to read more]"


def test_read_file_last_page_gives_range_without_more(ctx, ws):
    (ws / "a.txt").write_text(numbered(5))
    out = read(ctx, "a.txt", offset=4).output
    assert out == "     4\tline 4\n     5\tline 5\n[lines 4-5 of 5]"


def test_read_file_counts_last_line_without_newline(ctx, ws):
    (ws / "a.txt").write_text("a\nb\nc")
    assert read(ctx, "a.txt", limit=1).output.endswith("[lines 1-1 of 3; use offset=2 to read more]")


def test_read_file_offset_0_reads_from_the_start_and_a_negative_one_is_an_error(ctx, ws):
    (ws / "a.txt").write_text(numbered(3))
    assert read(ctx, "a.txt", offset=0).output == read(ctx, "a.txt").output
    with pytest.raises(ToolError, match="offset and limit must be at least 1"):
        read(ctx, "a.txt", offset=-1)
    with pytest.raises(ToolError, match="offset and limit must be at least 1"):
        read(ctx, "a.txt", limit=0)


def test_read_file_offset_past_end_is_an_error(ctx, ws):
    (ws / "a.txt").write_text(numbered(3))
    with pytest.raises(ToolError, match="offset 10 is past the end of a.txt \\(3 lines\\)"):
        read(ctx, "a.txt", offset=10)


def test_read_file_empty_file_says_so(ctx, ws):
    (ws / "e.txt").write_text("")
    assert read(ctx, "e.txt").output == "e.txt is empty"


def test_read_file_binary_file_reports_size_not_content(ctx, ws):
    (ws / "img.bin").write_bytes(b"PNG\0\x01\x02SECRET" * 100)
    obs = read(ctx, "img.bin")
    assert obs.output == "img.bin is a binary file (1.2 KB); its content is not shown"


def test_read_file_undecodable_file_is_treated_as_binary(ctx, ws):
    (ws / "latin.txt").write_bytes(b"caf\xe9 au lait\n")
    assert "is a binary file (13 bytes)" in read(ctx, "latin.txt").output


def test_read_file_cuts_very_long_lines(ctx, ws):
    (ws / "min.js").write_text("x" * 50_000 + "\nnext\n")
    out = read(ctx, "min.js").output.splitlines()
    assert out[0] == "     1\t" + "x" * 2000 + " [... line cut at 2000 characters]"
    assert out[1] == "     2\tnext"


def test_read_file_big_file_streams_only_needed_lines(ctx, ws, monkeypatch):
    monkeypatch.setattr(files, "COUNT_LINES_MAX_BYTES", 100)  # pretend the file is huge
    (ws / "huge.log").write_text(numbered(1000))
    out = read(ctx, "huge.log", offset=10, limit=2).output
    assert out == "    10\tline 10\n    11\tline 11\n[lines 10-11 of more than 11; use offset=12 to read more]"


def test_read_file_output_is_capped_at_max_output_chars(ctx, ws):
    ctx.max_output_chars = 200
    (ws / "a.txt").write_text(numbered(100))
    obs = read(ctx, "a.txt")
    assert obs.truncated
    assert len(obs.output) < 300
    assert obs.output.startswith("     1\tline 1\n")
    assert "output capped at 200 characters; use offset=" in obs.output.splitlines()[-1]


def test_read_file_records_resolved_path_in_files_read(ctx, ws):
    (ws / "a.txt").write_text("x\n")
    read(ctx, "./a.txt")
    assert ctx.files_read == {(ws / "a.txt").resolve()}


def test_read_file_directory_suggests_list_files(ctx, ws):
    (ws / "src").mkdir()
    with pytest.raises(ToolError, match="is a directory.*list_files"):
        read(ctx, "src")


def test_read_file_missing_file_is_an_error(ctx):
    with pytest.raises(ToolError, match="file not found: nope.txt"):
        read(ctx, "nope.txt")


def test_a_missing_file_names_the_files_it_may_have_meant(ctx, ws):
    (ws / "pkg").mkdir()
    (ws / "pkg" / "mathops.py").write_text("import os\n\n\ndef sum_to(n):\n    return n\n")
    (ws / "notes.md").write_text("sum_to is in pkg\n")  # mentions the name, defines nothing
    (ws / ".gitignore").write_text("build/\n")
    (ws / "build").mkdir()
    (ws / "build" / "mathops.py").write_text("def sum_to(n):\n    return 0\n")  # ignored: never suggested
    # a function's name read as a file: the module that defines it
    with pytest.raises(ToolError) as e:
        read(ctx, "sum_to")
    assert str(e.value) == ("file not found: sum_to; did you mean pkg/mathops.py (it defines sum_to)? "
                            "check the path with list_files or glob")
    # a file in another folder, a typo: the close names
    with pytest.raises(ToolError, match=r"did you mean pkg/mathops.py\?"):
        read(ctx, "mathops.py")
    with pytest.raises(ToolError, match=r"file not found: note.md; did you mean notes.md\?"):
        read(ctx, "note.md")
    with pytest.raises(ToolError, match=r"did you mean pkg/mathops.py\? check the path, or use write_file"):
        edit(ctx, "math_ops.py", "return n", "return n * 2")
    # new code sent as both sides of an edit (the old side is not in the file): how to add code
    with pytest.raises(ToolError, match="old_string is not in pkg/mathops.py, and new_string is the same text; to add code"):
        edit(ctx, "pkg/mathops.py", "def peek(self):\n    pass\n", "def peek(self):\n    pass\n")
    with pytest.raises(ToolError, match="^old_string and new_string are the same; nothing would change$"):
        edit(ctx, "pkg/mathops.py", "return n", "return n")
    # nothing close (often the file the task asks for, read before it is written): how to create it or look for it
    with pytest.raises(ToolError) as e:
        read(ctx, "zzz_unrelated.cfg")
    assert str(e.value) == ("file not found: zzz_unrelated.cfg, and no file in the workspace has a close name; "
                            "to create it, use write_file; to look for it, use list_files or glob")
    ctx.edits_allowed = False  # read-only or plan mode: writing is not suggested
    with pytest.raises(ToolError) as e:
        read(ctx, "zzz_unrelated.cfg")
    assert str(e.value) == "file not found: zzz_unrelated.cfg; check the path with list_files or glob"


def test_read_file_refuses_dotdot_path(ctx, ws):
    (ws.parent / "secret.txt").write_text("secret\n")
    with pytest.raises(OutsideWorkspace):
        read(ctx, "../secret.txt")


def test_read_file_refuses_absolute_path_outside(ctx, ws):
    (ws.parent / "secret.txt").write_text("secret\n")
    with pytest.raises(OutsideWorkspace):
        read(ctx, str(ws.parent / "secret.txt"))


def test_read_file_accepts_absolute_path_inside(ctx, ws):
    (ws / "a.txt").write_text("inside\n")
    assert read(ctx, str(ws / "a.txt")).output == "     1\tinside"


def test_read_file_refuses_symlink_out_of_workspace(ctx, ws):
    (ws.parent / "secret.txt").write_text("secret\n")
    (ws / "link.txt").symlink_to(ws.parent / "secret.txt")
    with pytest.raises(OutsideWorkspace):
        read(ctx, "link.txt")


# -- write_file -------------------------------------------------------------------


def test_write_file_creates_parent_dirs_and_says_created(ctx, ws):
    obs = write(ctx, "pkg/sub/mod.py", "a = 1\nb = 2\n")
    assert (ws / "pkg/sub/mod.py").read_text() == "a = 1\nb = 2\n"
    assert obs.output == "created pkg/sub/mod.py (12 bytes, 2 lines)"


def test_write_file_overwrite_of_a_read_file_says_overwrote(ctx, ws):
    (ws / "a.txt").write_text("old")
    read(ctx, "a.txt")
    obs = write(ctx, "a.txt", "new")
    assert (ws / "a.txt").read_text() == "new"
    assert obs.output == "overwrote a.txt (3 bytes, 1 lines)"


def test_write_file_records_path_in_files_read(ctx, ws):
    write(ctx, "a.txt", "x")
    assert (ws / "a.txt").resolve() in ctx.files_read


def test_write_file_refuses_path_outside_workspace(ctx, ws):
    with pytest.raises(OutsideWorkspace):
        write(ctx, "../escape.txt", "x")
    assert not (ws.parent / "escape.txt").exists()


def test_write_file_to_a_directory_is_an_error(ctx, ws):
    (ws / "src").mkdir()
    with pytest.raises(ToolError, match="is a directory"):
        write(ctx, "src", "x")


# -- edit ---------------------------------------------------------------------------


def test_edit_replaces_unique_match_and_shows_diff(ctx, ws):
    (ws / "m.py").write_text("def f():\n    return 1\n")
    obs = edit(ctx, "m.py", "return 1", "return 2")
    assert (ws / "m.py").read_text() == "def f():\n    return 2\n"
    assert obs.output.splitlines()[0] == "edited m.py"
    assert "-    return 1" in obs.output and "+    return 2" in obs.output
    assert "--- a/m.py" in obs.output and "+++ b/m.py" in obs.output


def test_edit_not_found_is_an_error_and_file_unchanged(ctx, ws):
    (ws / "m.py").write_text("x = 1\n")
    with pytest.raises(ToolError, match="old_string was not found in m.py; read the file and copy the exact text"):
        edit(ctx, "m.py", "x = 2", "x = 3")
    assert (ws / "m.py").read_text() == "x = 1\n"


def test_edit_not_found_shows_the_closest_lines_to_copy(ctx, ws):
    src = "def add(a, b):\n    return a + b\n\n\ndef scale(values, factor):\n    return [v * factor for v in values]\n"
    (ws / "calc.py").write_text(src)
    with pytest.raises(ToolError) as e:  # a misremembered line: the real one is shown, numbered
        edit(ctx, "calc.py", "def scale(vals, factor):\n    return [v * factor for v in vals]", "x")
    assert str(e.value).endswith("; the closest lines in the file (5-6) are:\n"
                                 "def scale(values, factor):\n    return [v * factor for v in values]")
    with pytest.raises(ToolError) as e:  # nothing like it in the file: no lines shown
        edit(ctx, "calc.py", "class Stack:\n    items = []", "x")
    assert str(e.value) == "old_string was not found in calc.py; read the file and copy the exact text, including whitespace"
    assert (ws / "calc.py").read_text() == src


def test_edit_ambiguous_match_is_an_error_and_file_unchanged(ctx, ws):
    (ws / "m.py").write_text("x = 1\nx = 1\n")
    with pytest.raises(ToolError, match="ambiguous: 2 matches.*replace_all"):
        edit(ctx, "m.py", "x = 1", "x = 2")
    assert (ws / "m.py").read_text() == "x = 1\nx = 1\n"


def test_edit_replace_all_replaces_every_match(ctx, ws):
    (ws / "m.py").write_text("x = 1\ny\nx = 1\n")
    obs = edit(ctx, "m.py", "x = 1", "x = 2", replace_all=True)
    assert (ws / "m.py").read_text() == "x = 2\ny\nx = 2\n"
    assert obs.output.startswith("edited m.py (2 replacements)")


def test_edit_same_old_and_new_is_an_error(ctx, ws):
    (ws / "m.py").write_text("x\n")
    with pytest.raises(ToolError, match="the same"):
        edit(ctx, "m.py", "x", "x")


def test_edit_empty_old_string_creates_missing_file(ctx, ws):
    obs = edit(ctx, "new/file.txt", "", "hello\n")
    assert (ws / "new/file.txt").read_text() == "hello\n"
    assert obs.output.startswith("created")
    assert "+hello" in obs.output


def test_edit_empty_old_string_on_nonempty_file_is_an_error(ctx, ws):
    (ws / "m.py").write_text("keep\n")
    with pytest.raises(ToolError, match="old_string is empty"):
        edit(ctx, "m.py", "", "x")
    assert (ws / "m.py").read_text() == "keep\n"


def test_edit_missing_file_is_an_error(ctx):
    with pytest.raises(ToolError, match="file not found: nope.py"):
        edit(ctx, "nope.py", "a", "b")


def test_edit_matches_lf_old_string_in_crlf_file_and_keeps_crlf(ctx, ws):
    (ws / "w.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    edit(ctx, "w.txt", "one\ntwo", "uno\ndos")
    assert (ws / "w.txt").read_bytes() == b"uno\r\ndos\r\nthree\r\n"


def test_edit_binary_file_is_an_error(ctx, ws):
    (ws / "b.bin").write_bytes(b"ab\0cd")
    with pytest.raises(ToolError, match="not UTF-8 text"):
        edit(ctx, "b.bin", "ab", "xy")
    assert (ws / "b.bin").read_bytes() == b"ab\0cd"


def test_edit_refuses_symlink_out_of_workspace(ctx, ws):
    (ws.parent / "secret.txt").write_text("secret\n")
    (ws / "link.txt").symlink_to(ws.parent / "secret.txt")
    with pytest.raises(OutsideWorkspace):
        edit(ctx, "link.txt", "secret", "owned")
    assert (ws.parent / "secret.txt").read_text() == "secret\n"


def test_edit_records_path_in_files_read(ctx, ws):
    (ws / "m.py").write_text("a\n")
    edit(ctx, "m.py", "a", "b")
    assert (ws / "m.py").resolve() in ctx.files_read


# -- registry -----------------------------------------------------------------------


def test_default_tools_come_in_the_documented_order():
    names = [t.name for t in default_tools()]
    assert names == [
        "shell", "read_file", "write_file", "edit", "multi_edit", "list_files", "glob", "grep", "todo", "web_fetch",
        "find_symbol", "find_references", "outline", "git_status", "git_diff", "git_log", "git_show", "git_commit",
    ]
    assert list(ALL_TOOLS) == names


def test_tool_specs_have_descriptions_and_parameter_docs():
    for spec in tool_specs(default_tools()):
        assert len(spec.description) > 40, spec.name
        for name, prop in spec.parameters["properties"].items():
            assert prop.get("description"), f"{spec.name}.{name}"
            assert "title" not in prop


def test_small_context_models_get_the_core_tools_and_config_can_name_any():
    from agent.config import ConfigError
    from agent.tools.registry import ALL_TOOLS, CORE_TOOLS, select_tools

    assert [t.name for t in select_tools(None, 8192)] == list(CORE_TOOLS)
    assert [t.name for t in select_tools(None, 32768)] == list(ALL_TOOLS)
    assert [t.name for t in select_tools(None, None)] == list(ALL_TOOLS)
    assert [t.name for t in select_tools(["grep", "git_log"], 8192)] == ["grep", "git_log"]
    with pytest.raises(ConfigError, match="unknown tool 'gerp'"):
        select_tools(["gerp"])
