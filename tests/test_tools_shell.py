"""The shell tool: persistence of cwd and env, exit codes, output capping, timeouts, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.tools.base import ToolContext, ToolError
from agent.tools.shell import STATE_KEY, HeadTailBuffer, ShellTool
from agent.tools.workspace import Workspace
from tests.waiting import When, wait_until


@pytest.fixture
def ctx(tmp_path: Path):
    ctx = ToolContext(workspace=Workspace(tmp_path))
    yield ctx
    ShellTool().close(ctx)


def sh(ctx: ToolContext, command: str, timeout: float | None = None):
    tool = ShellTool()
    return tool.run(tool.Params(command=command, timeout=timeout), ctx)


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (nobody may reap it in a container)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_dead(pid: int) -> bool:
    return wait_until(lambda: not pid_alive(pid), what=f"process {pid} to end")


def pid_written(path: Path) -> str:
    return path.read_text().strip() if path.exists() else ""


def read_pid(path: Path) -> int:
    return int(wait_until(lambda: pid_written(path), what=f"{path} to be written"))


def test_shell_starts_in_workspace_root(ctx, tmp_path):
    assert sh(ctx, "pwd").output.strip() == str(tmp_path.resolve())


def test_shell_cwd_persists_between_calls(ctx, tmp_path):
    (tmp_path / "sub").mkdir()
    sh(ctx, "cd sub")
    assert sh(ctx, "pwd").output.strip() == str(tmp_path.resolve() / "sub")


def test_shell_exported_env_persists_between_calls(ctx):
    sh(ctx, "export LIMI_TEST_VAR='a b'")
    assert sh(ctx, 'echo "[$LIMI_TEST_VAR]"').output.strip() == "[a b]"


def test_shell_unset_variable_stays_unset(ctx, monkeypatch):
    monkeypatch.setenv("LIMI_TEST_GONE", "here")
    assert sh(ctx, "echo $LIMI_TEST_GONE; unset LIMI_TEST_GONE").output.strip() == "here"
    assert sh(ctx, 'echo "[${LIMI_TEST_GONE-unset}]"').output.strip() == "[unset]"


def test_shell_state_saved_even_when_command_exits_nonzero(ctx, tmp_path):
    (tmp_path / "sub").mkdir()
    obs = sh(ctx, "cd sub; exit 3")
    assert obs.exit_code == 3
    assert sh(ctx, "pwd").output.strip().endswith("/sub")


def test_shell_nonzero_exit_is_reported_but_not_an_error(ctx):
    obs = sh(ctx, "echo out; exit 2")
    assert obs.exit_code == 2
    assert not obs.is_error
    assert obs.output == "out\n[exit code 2]"


def test_shell_zero_exit_has_no_exit_code_line(ctx):
    obs = sh(ctx, "echo fine")
    assert obs.exit_code == 0
    assert obs.output == "fine\n"


def test_shell_merges_stdout_and_stderr(ctx):
    out = sh(ctx, "echo one; echo two >&2; echo three").output
    assert out.splitlines() == ["one", "two", "three"]


def test_shell_stdin_is_empty_so_nothing_waits(ctx):
    obs = sh(ctx, "read line; echo rc=$?; cat", timeout=60)  # a stdin that waited would end in this timeout
    assert obs.output.strip() == "rc=1" and obs.error_kind is None


def test_shell_output_is_capped_keeping_head_and_tail(ctx):
    ctx.max_output_chars = 1000
    obs = sh(ctx, "echo HEAD-MARK; seq 1 100000; echo TAIL-MARK")
    assert obs.truncated
    assert obs.output.startswith("HEAD-MARK\n1\n2\n")
    assert obs.output.rstrip().endswith("100000\nTAIL-MARK")
    assert "characters cut ...]" in obs.output
    assert len(obs.output) < 1100


def test_shell_invalid_utf8_is_replaced(ctx):
    obs = sh(ctx, r"printf 'ok \xff\xfe end\n'")
    assert obs.output == "ok \ufffd\ufffd end\n"


def test_shell_timeout_kills_process_group(ctx, tmp_path):
    # the timeout leaves the child time to write its pid on a loaded machine; not-reached shows it did not wait it out
    obs = sh(ctx, "bash -c 'echo $$ > child.pid; sleep 100'; echo not-reached", timeout=3)
    assert obs.is_error and obs.error_kind == "timeout"
    assert "timed out after 3 s" in obs.output
    assert "not-reached" not in obs.output
    assert wait_dead(read_pid(tmp_path / "child.pid"))


def test_shell_timeout_kills_background_children(ctx, tmp_path):
    obs = sh(ctx, "sleep 100 & echo $! > bg.pid; wait", timeout=3)
    assert obs.error_kind == "timeout"
    assert wait_dead(read_pid(tmp_path / "bg.pid"))


def test_shell_timeout_keeps_output_so_far(ctx):
    obs = sh(ctx, "echo before; sleep 100", timeout=3)
    assert obs.output.startswith("before\n")


def test_shell_default_timeout_comes_from_context(ctx):
    ctx.shell_timeout_s = 0.4
    obs = sh(ctx, "sleep 100")
    assert obs.error_kind == "timeout"
    assert "timed out after 0.4 s" in obs.output


def test_shell_state_not_saved_after_timeout(ctx, tmp_path):
    (tmp_path / "sub").mkdir()
    sh(ctx, "cd sub; sleep 100", timeout=0.3)
    assert sh(ctx, "pwd").output.strip() == str(tmp_path.resolve())


def test_shell_cancel_kills_command(ctx, tmp_path):
    cancel = When(lambda: pid_written(tmp_path / "main.pid"), ctx.cancel.set)  # once the command runs
    obs = sh(ctx, "echo $$ > main.pid; sleep 100", timeout=60)  # a cancel that failed would end in this timeout
    assert not cancel.failed
    assert obs.is_error and obs.error_kind == "interrupted"
    assert wait_dead(read_pid(tmp_path / "main.pid"))


def test_shell_cancel_set_before_start_runs_nothing(ctx, tmp_path):
    ctx.cancel.set()
    obs = sh(ctx, "touch ran")
    assert obs.error_kind == "interrupted"
    assert not (tmp_path / "ran").exists()


def test_shell_background_job_does_not_block_return_and_ends_with_the_call(ctx, tmp_path):
    # a call that waited for the job would end in the timeout (the job outlives it)
    obs = sh(ctx, "sleep 300 > /dev/null 2>&1 & echo $! > bg.pid; echo started", timeout=60)
    assert obs.output == "started\n" and obs.error_kind is None
    assert not pid_alive(read_pid(tmp_path / "bg.pid"))  # nothing of a call outlives it


def test_shell_deleted_cwd_falls_back_to_root(ctx, tmp_path):
    (tmp_path / "gone").mkdir()
    sh(ctx, "cd gone")
    (tmp_path / "gone").rmdir()
    obs = sh(ctx, "pwd")
    assert "no longer exists" in obs.output
    assert obs.output.strip().endswith(str(tmp_path.resolve()))


def test_shell_positional_args_are_empty(ctx):
    assert sh(ctx, 'echo "$#"').output.strip() == "0"


def test_shell_empty_command_is_an_error(ctx):
    with pytest.raises(ToolError, match="command is empty"):
        sh(ctx, "   ")


def test_shell_close_drops_the_state(ctx):
    sh(ctx, "cd /")
    assert ctx.state[STATE_KEY].cwd == b"/"
    ShellTool().close(ctx)
    assert STATE_KEY not in ctx.state


def test_head_tail_buffer_memory_is_bounded():
    buf = HeadTailBuffer(100)
    for i in range(10_000):
        buf.feed(f"{i:08d}\n".encode())
        assert len(buf.head) + len(buf.tail) <= 200
    text, truncated = buf.text()
    assert truncated
    assert text.startswith("00000000\n")
    assert text.endswith("00009999\n")
    assert f"[... {90_000 - 100} characters cut ...]" in text


def test_head_tail_buffer_keeps_short_text_whole():
    buf = HeadTailBuffer(100)
    buf.feed("é".encode()[:1])
    buf.feed("é".encode()[1:] + b"x" * 98, final=True)
    assert buf.text() == ("é" + "x" * 98, False)
