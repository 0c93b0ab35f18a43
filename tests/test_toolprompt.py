"""The text tool protocol: rendering tool conversations and parsing <tool_call> blocks."""

from agent.messages import Message, ToolCall, ToolSpec
from agent.toolprompt import StreamingReplyParser, parse_reply, render_messages

SPEC = ToolSpec(name="read_file", description="Read a file.", parameters={"type": "object", "properties": {"path": {"type": "string"}}})


def test_parse_reply_splits_text_and_calls():
    text, calls = parse_reply('Let me look.\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>')
    assert text == "Let me look."
    assert [(c.name, c.arguments, c.error) for c in calls] == [("read_file", {"path": "a.py"}, None)]


def test_parse_reply_reads_several_calls_in_order():
    reply = "".join(f'<tool_call>{{"name": "t{i}", "arguments": {{}}}}</tool_call>' for i in range(3))
    _, calls = parse_reply(reply)
    assert [c.name for c in calls] == ["t0", "t1", "t2"]
    assert len({c.id for c in calls}) == 3


def test_malformed_json_becomes_a_call_with_an_error_not_an_exception():
    _, calls = parse_reply('<tool_call>{"name": "read_file", "arguments": {"path": }</tool_call>')
    assert calls[0].name == "read_file"
    assert "not valid JSON" in calls[0].error
    assert calls[0].raw.startswith("<tool_call>")


def test_arguments_given_as_a_json_string_are_decoded():
    _, calls = parse_reply('<tool_call>{"name": "read_file", "arguments": "{\\"path\\": \\"x\\"}"}</tool_call>')
    assert calls[0].arguments == {"path": "x"} and calls[0].error is None


def test_non_object_arguments_are_an_error():
    _, calls = parse_reply('<tool_call>{"name": "read_file", "arguments": [1]}</tool_call>')
    assert calls[0].error == '"arguments" must be a JSON object'


def test_unclosed_block_at_the_end_is_parsed():
    _, calls = parse_reply('<tool_call>{"name": "read_file", "arguments": {"path": "x"}}')
    assert calls[0].arguments == {"path": "x"}


def test_streaming_parser_hides_blocks_even_when_the_tag_is_split_across_deltas():
    reply = 'Looking.<tool_call>{"name": "read_file", "arguments": {}}</tool_call> done'
    parser = StreamingReplyParser()
    shown = "".join(parser.feed(reply[i : i + 3]) for i in range(0, len(reply), 3))
    tail, visible, calls = parser.finish()
    assert shown + tail == "Looking. done"
    assert "<" not in shown + tail
    assert visible == "Looking. done" and calls[0].name == "read_file"


def test_a_closing_tag_outside_any_block_is_dropped_whole_or_split_across_deltas():
    # a small model's answer ended "shellingham/\n</tool_call>": a protocol token, not text
    reply = 'The files:\nshellingham/\n</tool_call> and <tool_call>{"name": "glob", "arguments": {}}</tool_call></tool_call>end'
    for size in (1, 4, len(reply)):
        parser = StreamingReplyParser()
        shown = "".join(parser.feed(reply[i : i + size]) for i in range(0, len(reply), size))
        tail, visible, calls = parser.finish()
        assert shown + tail == "The files:\nshellingham/\n and end", size
        assert [c.name for c in calls] == ["glob"]
    # text that only begins like the tag is kept
    assert parse_reply("a </tool_ b")[0] == "a </tool_ b"


def test_streaming_parser_releases_a_lone_angle_bracket():
    parser = StreamingReplyParser()
    shown = parser.feed("a < b")
    tail, _, calls = parser.finish()
    assert shown + tail == "a < b" and calls == []


def test_render_puts_tools_in_the_system_message_and_results_in_user_turns():
    call = ToolCall(id="c1", name="read_file", arguments={"path": "a"})
    call2 = ToolCall(id="c2", name="read_file", arguments={"path": "b"})
    flat = render_messages(
        [
            Message(role="system", content="SYS"),
            Message(role="user", content="task"),
            Message(role="assistant", content="reading", tool_calls=[call, call2]),
            Message(role="tool", content="A", tool_call_id="c1"),
            Message(role="tool", content="B", tool_call_id="c2"),
            Message(role="assistant", content="done"),
        ],
        [SPEC],
    )
    assert [m["role"] for m in flat] == ["system", "user", "assistant", "user", "assistant"]
    assert flat[0]["content"].startswith("SYS\n\n# Tools") and '"name": "read_file"' in flat[0]["content"]
    assert flat[2]["content"] == (
        'reading\n<tool_call>\n{"name": "read_file", "arguments": {"path": "a"}}\n</tool_call>\n'
        '<tool_call>\n{"name": "read_file", "arguments": {"path": "b"}}\n</tool_call>'
    )
    assert flat[3]["content"] == "<tool_response>\nA\n</tool_response>\n<tool_response>\nB\n</tool_response>"


def test_render_accepts_limi_dict_rows_like_internal_messages():
    as_dicts = render_messages(
        [
            {"role": "user", "content": "task"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": {"path": "a"}}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "A"},
        ],
        [SPEC.openai()],
    )
    as_messages = render_messages(
        [
            Message(role="user", content="task"),
            Message(role="assistant", tool_calls=[ToolCall(id="c1", name="read_file", arguments={"path": "a"})]),
            Message(role="tool", content="A", tool_call_id="c1"),
        ],
        [SPEC],
    )
    assert as_dicts == as_messages
    assert as_dicts[0]["role"] == "system"  # tools alone make a system message


def test_rendered_calls_parse_back_to_the_same_calls():
    call = ToolCall(id="c1", name="edit", arguments={"path": "a.py", "old_string": "x = 1\n", "new_string": "x = \"é\"\n"})
    flat = render_messages([Message(role="assistant", content="ok", tool_calls=[call])])
    text, calls = parse_reply(flat[0]["content"])
    assert text == "ok" and calls[0].arguments == call.arguments


def test_brief_style_lists_one_signature_line_per_tool_and_full_lists_schemas():
    from agent.toolprompt import tools_block

    spec = ToolSpec(
        name="grep",
        description="Search file contents.\n- more detail that only the full style shows",
        parameters={
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "context": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                "paths": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["pattern"],
        },
    )
    brief = tools_block([spec], "brief")
    assert "grep(pattern: string, context?: integer, paths?: string[]) - Search file contents." in brief
    assert "more detail" not in brief and "<tool_call>" in brief
    full = tools_block([spec], "full")
    assert '"name": "grep"' in full and "more detail" in full
    assert len(brief) < len(full)


def test_prompt_style_auto_is_brief_for_small_context_models_only():
    from agent.toolprompt import prompt_style_for

    assert prompt_style_for("auto", 8192) == "brief"
    assert prompt_style_for("auto", 32768) == "full"
    assert prompt_style_for("auto", None) == "full"
    assert prompt_style_for("full", 2048) == "full"
    assert prompt_style_for("brief", 131072) == "brief"


def test_brief_style_renders_the_same_conversation_with_a_shorter_system_prompt():
    convo = [Message(role="system", content="SYS"), Message(role="user", content="task")]
    brief = render_messages(convo, [SPEC], "brief")
    assert brief[0]["content"].startswith("SYS\n\n# Tools") and "read_file(path?: string) - Read a file." in brief[0]["content"]
    assert brief[1:] == render_messages(convo, [SPEC])[1:]
