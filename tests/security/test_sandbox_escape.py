"""Break-out attempts against the real bubblewrap sandbox of the shell tool.

A hostile command tries to make limi-cli (outside the sandbox) write to a host file, to keep
capabilities, to reach the limi-cli process, the host's services and its network, and to
change limi-cli's own files in the workspace. Each test runs the real ``bwrap``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from agent.config import load_config
from agent.sandbox import Sandbox, sandbox_for, sandbox_problem
from agent.tools.base import ToolContext
from agent.tools.shell import ShellTool
from agent.tools.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
PROBLEM = sandbox_problem()
needs_bwrap = pytest.mark.skipif(PROBLEM is not None, reason=f"no sandbox here: {PROBLEM}")


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def shell(ws: Path):
    """Runs commands, one session of the sandboxed shell tool; returns the observations."""
    tool = ShellTool(Sandbox(ws))
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    yield lambda command: tool.run(tool.Params(command=command), ctx)
    tool.close(ctx)


@pytest.fixture
def outside_dir():
    """A host directory outside the workspace that the sandbox sees (not under its fresh /tmp)."""
    base = Path("/var/tmp") if os.access("/var/tmp", os.W_OK) else Path.home()
    path = Path(tempfile.mkdtemp(dir=base, prefix="limi-outside-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def listener():
    """A TCP server on the host's 127.0.0.1 that answers every connection with 'hello'."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            conn.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield srv.getsockname()[1]
    stop.set()
    thread.join()
    srv.close()


# Plants, in every writable directory named on any command line it can see (where shell state
# files used to live), symlinks under the names limi-cli once wrote through, pointing at the
# victim; and writes a forged state into every file descriptor it inherited.
PLANT = r"""
victim=$1
for p in $(for f in /proc/[0-9]*/cmdline; do tr '\0' '\n' < "$f"; echo; done | grep '^/' | sort -u); do
  if [ -d "$p" ] && [ -w "$p" ]; then
    for n in cmd cwd env cwd.new env.new setup.sh state; do ln -sfn "$victim" "$p/$n" 2>/dev/null; done
    echo "planted in $p"
  fi
done
for f in /proc/self/fd/*; do
  n=${f##*/}
  if [ "$n" -gt 2 ] 2>/dev/null; then printf '%s\0declare -x PLANTED=1\n' "$victim" >&"$n" 2>/dev/null; fi
done
echo planted
"""


@needs_bwrap
def test_a_command_cannot_make_limi_write_outside_the_workspace(ws, shell, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("original\n")
    (ws / "plant.sh").write_text(PLANT)
    obs = shell(f"bash plant.sh {victim}")
    assert "planted" in obs.output
    assert "planted in" in obs.output  # it did find somewhere to plant (the workspace at least)
    for command in ["echo second", "cd sub 2>/dev/null; export X=1; echo third", "echo fourth"]:
        assert shell(command).exit_code == 0
    assert victim.read_text() == "original\n"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"]


@needs_bwrap
def test_a_forged_state_is_only_data_for_the_next_sandboxed_call(shell, outside_dir):
    """Whatever a command writes on the descriptors it inherits ends up, at most, as the
    next call's starting directory inside the sandbox: never a path limi-cli writes to."""
    outside = outside_dir
    forge = ("for f in /proc/self/fd/*; do n=${f##*/}; [ \"$n\" -gt 2 ] 2>/dev/null && "
             f"printf '%s\\0declare -x FORGED=1\\n' {outside} >&\"$n\"; done; kill -9 $$")
    shell(forge)  # killed before bash saves its own state: the forged one is what limi-cli reads
    obs = shell("pwd; echo forged=$FORGED; touch here")
    assert obs.output.splitlines()[:2] == [str(outside), "forged=1"]  # it was taken, as data
    assert "Read-only file system" in obs.output
    assert list(outside.iterdir()) == []


@needs_bwrap
def test_no_capabilities_inside_even_as_root(shell):
    obs = shell("grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status")
    caps = dict(line.split(":\t") for line in obs.output.strip().splitlines())
    assert caps == {"CapEff": "0000000000000000", "CapPrm": "0000000000000000",
                    "CapBnd": "0000000000000000", "CapAmb": "0000000000000000"}, obs.output


@needs_bwrap
def test_the_limi_process_is_out_of_reach(shell):
    host_pid = os.getpid()
    obs = shell(f"kill -0 {host_pid}; echo kill=$?; ls /proc/{host_pid}/root; echo ls=$?; "
                "readlink /proc/self/ns/pid; ls /proc | grep -c '^[0-9]'")
    lines = obs.output.strip().splitlines()
    assert "kill=1" in lines and "ls=2" in lines, obs.output
    assert os.readlink("/proc/self/ns/pid") not in lines  # a PID namespace of its own
    assert int(lines[-1]) < 10  # it sees its own few processes, not the host's


@needs_bwrap
def test_no_network_inside_by_default(shell, listener):
    code = f"import socket; print(socket.create_connection(('127.0.0.1', {listener}), timeout=30).recv(5))"
    assert b"hello" == socket.create_connection(("127.0.0.1", listener), timeout=30).recv(5)  # the host reaches it
    obs = shell(f"{sys.executable} -c \"{code}\"")
    assert "hello" not in obs.output and obs.exit_code != 0


@needs_bwrap
def test_network_only_when_allowed(ws, listener):
    tool = ShellTool(Sandbox(ws, network=True))
    ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
    code = f"import socket; print(socket.create_connection(('127.0.0.1', {listener}), timeout=30).recv(5))"
    assert "hello" in tool.run(tool.Params(command=f"{sys.executable} -c \"{code}\""), ctx).output


@needs_bwrap
def test_the_hosts_service_sockets_under_run_are_hidden(shell):
    if not os.access("/run", os.W_OK):
        pytest.skip("cannot create a socket under /run here (not root)")
    path = f"/run/limi-test-{os.getpid()}.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    try:
        code = f"import socket; s = socket.socket(socket.AF_UNIX); s.connect({path!r}); print('reached')"
        obs = shell(f"{sys.executable} -c \"{code}\"; ls -A /run | wc -l")
        assert "reached" not in obs.output and obs.output.strip().splitlines()[-1] == "0", obs.output
    finally:
        srv.close()
        os.unlink(path)


@needs_bwrap
def test_limis_own_files_in_the_workspace_are_read_only_inside(ws, shell):
    (ws / ".limi").mkdir()
    (ws / ".limi" / "config.toml").write_text('approval = "ask"\n')
    obs = shell("echo 'approval = \"yolo\"' > .limi/config.toml; echo w=$?; ln -s /etc .limi/sessions; echo l=$?; "
                "mv .limi .limi-old; echo m=$?; rm -rf .limi; echo r=$?; touch made; echo t=$?")
    assert "w=1" in obs.output and "l=1" in obs.output and "m=1" in obs.output and "r=1" in obs.output
    assert "t=0" in obs.output  # the rest of the workspace is writable
    assert (ws / ".limi" / "config.toml").read_text() == 'approval = "ask"\n'
    assert sorted(p.name for p in (ws / ".limi").iterdir()) == ["config.toml"]


@needs_bwrap
def test_limi_dir_that_does_not_exist_yet_cannot_be_made_by_the_command(ws, shell):
    obs = shell("mkdir -p .limi/sessions && echo made; ln -s /etc .limi/x; echo l=$?")
    assert "made" not in obs.output and "l=1" in obs.output
    assert (ws / ".limi").is_dir() and not (ws / ".limi").is_symlink() and list((ws / ".limi").iterdir()) == []


# -- the mode: on, off, auto --------------------------------------------------------------


@needs_bwrap
def test_auto_is_the_default_and_sandboxes_where_bwrap_works(ws):
    config = load_config(ws, environ={})
    assert config.sandbox == "auto"
    assert isinstance(sandbox_for(config.sandbox, ws), Sandbox)


def test_old_boolean_settings_still_load(ws):
    (ws / ".limi").mkdir()
    (ws / ".limi" / "config.toml").write_text("sandbox = true\n")
    assert load_config(ws, environ={}).sandbox == "on"
    assert load_config(ws, environ={"LIMI_SANDBOX": "false"}).sandbox == "off"
    assert load_config(ws, overrides={"sandbox": "auto"}, environ={}).sandbox == "auto"


def test_a_bad_sandbox_value_is_one_clear_line(ws):
    from agent.config import ConfigError

    with pytest.raises(ConfigError, match=r"LIMI_\* variables\): LIMI_SANDBOX: Input should be 'on', 'off' or 'auto'"):
        load_config(ws, environ={"LIMI_SANDBOX": "maybe"})


def _no_bwrap_env(tmp_path: Path) -> dict:
    bin_dir = tmp_path / "bin"  # a PATH with bash and git but no bwrap
    bin_dir.mkdir()
    for tool in ("bash", "git"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    return {**os.environ, "PATH": str(bin_dir)}


def test_auto_without_bwrap_runs_unsandboxed_with_one_notice(tmp_path, ws):
    replies = tmp_path / "r.json"
    call = '<tool_call>{"name": "shell", "arguments": {"command": "echo ran > ran.txt"}}</tool_call>'
    replies.write_text(json.dumps([call, call, "done"]))
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "-p", "x", "--approval", "yolo", "--cwd", str(ws),
                           "-m", f"scripted:{replies}"],
                          capture_output=True, text=True, env=_no_bwrap_env(tmp_path), timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert (ws / "ran.txt").read_text() == "ran\n"
    notes = [line for line in proc.stderr.splitlines() if "without a sandbox" in line]
    assert notes == ["limi-cli: note: shell commands run without a sandbox: bubblewrap (bwrap) is not installed; "
                     "install it (Debian/Ubuntu: apt-get install bubblewrap) or pass --sandbox off"]


def test_sandbox_on_without_bwrap_fails_with_the_reason_and_what_to_do(tmp_path, ws):
    (tmp_path / "r.json").write_text('["done"]')
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "--sandbox", "on", "-p", "x", "--cwd", str(ws),
                           "-m", f"scripted:{tmp_path / 'r.json'}"],
                          capture_output=True, text=True, env=_no_bwrap_env(tmp_path), timeout=120, cwd=REPO)
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "cannot sandbox shell commands: bubblewrap (bwrap) is not installed; install it" in proc.stderr


def test_sandbox_off_without_bwrap_says_nothing(tmp_path, ws):
    (tmp_path / "r.json").write_text('["done"]')
    proc = subprocess.run([sys.executable, "-m", "limi_cli.cli", "run", "--sandbox", "off", "-p", "x", "--cwd", str(ws),
                           "-m", f"scripted:{tmp_path / 'r.json'}"],
                          capture_output=True, text=True, env=_no_bwrap_env(tmp_path), timeout=120, cwd=REPO)
    assert proc.returncode == 0 and "sandbox" not in proc.stderr


# -- as an unprivileged user ----------------------------------------------------------------

UNPRIVILEGED = r"""
import json, os, sys
from pathlib import Path
from agent.sandbox import Sandbox, sandbox_problem
from agent.tools.base import ToolContext
from agent.tools.shell import ShellTool
from agent.tools.workspace import Workspace

ws, outside = Path(sys.argv[1]), Path(sys.argv[2])
problem = sandbox_problem()
if problem is not None:
    print(json.dumps({"skip": problem}))
    sys.exit(0)
tool = ShellTool(Sandbox(ws))
ctx = ToolContext(workspace=Workspace(ws), shell_timeout_s=30)
run = lambda c: tool.run(tool.Params(command=c), ctx).output.strip()
print(json.dumps({
    "uid": run("id -u"),
    "caps": run("grep CapEff /proc/self/status"),
    "outside": run(f"touch {outside}/made 2>/dev/null; echo $?"),
    "inside": run("touch made && echo ok"),
    "parent": run(f"kill -0 {os.getpid()} 2>/dev/null; echo $?"),
}))
"""


def test_sandbox_holds_for_an_unprivileged_user(tmp_path):
    if os.geteuid() != 0:
        user_cmd = []  # already unprivileged
    elif shutil.which("setpriv"):
        user_cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        pytest.skip("running as root without setpriv to become an unprivileged user")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    ws, outside = Path(tempfile.mkdtemp(dir="/tmp")), Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        for d in (ws, outside):
            if user_cmd:
                os.chown(d, 65534, 65534)
        (tmp_path / "probe.py").write_text(UNPRIVILEGED)
        probe = Path(tempfile.mkdtemp(dir="/tmp")) / "probe.py"
        shutil.copy(tmp_path / "probe.py", probe)
        probe.parent.chmod(0o755)
        probe.chmod(0o644)
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "HOME": str(ws), "LANG": "C.UTF-8"}
        proc = subprocess.run([*user_cmd, sys.executable, str(probe), str(ws), str(outside)],
                              capture_output=True, text=True, env=env, timeout=120, cwd=ws)
        shutil.rmtree(probe.parent)
        assert proc.returncode == 0, proc.stderr
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        if "skip" in result:
            pytest.skip(f"no sandbox for an unprivileged user here: {result['skip']}")
        if user_cmd:
            assert result["uid"] == "65534"
        assert result["caps"].split() == ["CapEff:", "0000000000000000"]
        assert result["outside"] != "0" and not (outside / "made").exists()
        assert result["inside"] == "ok" and (ws / "made").exists()
        assert result["parent"] != "0"
    finally:
        shutil.rmtree(ws, ignore_errors=True)
        shutil.rmtree(outside, ignore_errors=True)
