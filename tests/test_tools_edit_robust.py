"""edit when the model's old_string is not exact, multi_edit, and write_file's overwrite guard, on real files."""

from __future__ import annotations


import pytest

from agent.tools.base import ToolError
from agent.tools.files import EditTool, MultiEditTool, ReadFileTool, WriteFileTool

CODE = "class A:\n    def f(self):\n        if x:\n            return 1\n        return 2\n"


def edit(ctx, path, old, new, **kw):
    tool = EditTool()
    return tool.run(tool.Params(path=path, old_string=old, new_string=new, **kw), ctx)


def multi(ctx, path, edits):
    tool = MultiEditTool()
    return tool.run(tool.Params.model_validate({"path": path, "edits": edits}), ctx)


def test_exact_match_says_nothing_about_strategies(ctx, ws):
    (ws / "m.py").write_text(CODE)
    obs = edit(ctx, "m.py", "return 1", "return 3")
    assert "matching" not in obs.output.splitlines()[0]
    assert "return 3" in (ws / "m.py").read_text()


def test_block_with_wrong_indentation_is_found_and_reindented(ctx, ws):
    (ws / "m.py").write_text(CODE)
    obs = edit(ctx, "m.py", "if x:\n    return 1\n", "if x:\n    log()\n    return 1\n")
    assert (ws / "m.py").read_text() == (
        "class A:\n    def f(self):\n        if x:\n            log()\n            return 1\n        return 2\n"
    )
    assert "indentation-relative matching" in obs.output


def test_block_with_other_whitespace_is_found_with_normalised_matching(ctx, ws):
    (ws / "m.py").write_text("def g():\n    total = a  +  b\n    return total\n")
    obs = edit(ctx, "m.py", "total = a + b\nreturn total", "return a + b")
    assert (ws / "m.py").read_text() == "def g():\n    return a + b\n"
    assert "whitespace-normalised matching" in obs.output


def test_trailing_spaces_in_the_file_do_not_stop_a_match(ctx, ws):
    (ws / "m.py").write_text("x = 1   \ny = 2\n")
    edit(ctx, "m.py", "x = 1\ny = 2\n", "x = 10\ny = 20\n")
    assert (ws / "m.py").read_text() == "x = 10\ny = 20\n"


def test_fuzzy_match_in_two_places_is_refused_and_the_file_is_unchanged(ctx, ws):
    text = "def a():\n    return 0\n\ndef b():\n        return 0\n"
    (ws / "m.py").write_text(text)
    with pytest.raises(ToolError, match="whitespace-normalised matching found 2 places"):
        edit(ctx, "m.py", "return  0", "return 1")
    assert (ws / "m.py").read_text() == text


def test_fuzzy_match_keeps_crlf_line_ends(ctx, ws):
    (ws / "m.py").write_bytes(b"if x:\r\n    a = 1\r\n    b = 2\r\n")
    edit(ctx, "m.py", "a = 1\nb = 2", "a = 1\nb = 3")
    assert (ws / "m.py").read_bytes() == b"if x:\r\n    a = 1\r\n    b = 3\r\n"


def test_fuzzy_match_that_deletes_lines_leaves_no_blank_line(ctx, ws):
    (ws / "m.py").write_text("a = 1\n  b = 2\nc = 3\n")
    edit(ctx, "m.py", "b  =  2\n", "")
    assert (ws / "m.py").read_text() == "a = 1\nc = 3\n"


def test_text_that_matches_no_strategy_is_not_found(ctx, ws):
    (ws / "m.py").write_text(CODE)
    with pytest.raises(ToolError, match="was not found"):
        edit(ctx, "m.py", "return 42", "return 1")


def test_multi_edit_applies_edits_in_order(ctx, ws):
    (ws / "m.py").write_text("a = 1\nb = 2\n")
    obs = multi(ctx, "m.py", [
        {"old_string": "a = 1", "new_string": "a = 10"},
        {"old_string": "a = 10\nb = 2", "new_string": "a = 10\nb = 20"},
    ])
    assert (ws / "m.py").read_text() == "a = 10\nb = 20\n"
    assert obs.output.startswith("edited m.py")


def test_multi_edit_failing_edit_is_named_and_nothing_is_written(ctx, ws):
    (ws / "m.py").write_text("a = 1\nb = 2\n")
    with pytest.raises(ToolError, match="edit 2 of 2: old_string was not found.*no edit was applied"):
        multi(ctx, "m.py", [{"old_string": "a = 1", "new_string": "a = 10"}, {"old_string": "zzz", "new_string": "y"}])
    assert (ws / "m.py").read_text() == "a = 1\nb = 2\n"


def test_multi_edit_reports_which_edit_matched_fuzzily(ctx, ws):
    (ws / "m.py").write_text(CODE)
    obs = multi(ctx, "m.py", [
        {"old_string": "return 2", "new_string": "return 5"},
        {"old_string": "if x:\n    return 1", "new_string": "if y:\n    return 1"},
    ])
    assert "edit 2: old_string matched with indentation-relative matching" in obs.output


def test_multi_edit_needs_at_least_one_edit(ctx, ws):
    with pytest.raises(ValueError, match="at least 1"):
        MultiEditTool.Params.model_validate({"path": "m.py", "edits": []})


def test_write_file_refuses_to_overwrite_a_file_not_read(ctx, ws):
    (ws / "a.txt").write_text("precious")
    tool = WriteFileTool()
    with pytest.raises(ToolError, match="was not read in this session.*overwrite=true"):
        tool.run(tool.Params(path="a.txt", content="new"), ctx)
    assert (ws / "a.txt").read_text() == "precious"


def test_write_file_overwrites_a_file_not_read_when_told_to(ctx, ws):
    (ws / "a.txt").write_text("old")
    tool = WriteFileTool()
    obs = tool.run(tool.Params(path="a.txt", content="new", overwrite=True), ctx)
    assert (ws / "a.txt").read_text() == "new"
    assert obs.output.startswith("overwrote a.txt")


def test_write_file_overwrites_a_file_read_in_this_session(ctx, ws):
    (ws / "a.txt").write_text("old")
    reader = ReadFileTool()
    reader.run(reader.Params(path="a.txt"), ctx)
    tool = WriteFileTool()
    tool.run(tool.Params(path="a.txt", content="new"), ctx)
    assert (ws / "a.txt").read_text() == "new"
