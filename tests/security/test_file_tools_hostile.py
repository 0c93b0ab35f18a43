"""File tools on a hostile workspace: symlinks out (also swapped in after the check, and
really raced), hard links to outside files, FIFOs, sockets and devices.

Everything runs on real files in a temp dir. The path-resolution tests run twice: with
openat2(2) where the kernel has it, and with the component-by-component fallback walk.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from agent.tools import safe_open
from agent.tools.base import ToolContext, ToolError
from agent.tools.code import FindReferencesTool, OutlineTool
from agent.tools.files import EditTool, MultiEditTool, ReadFileTool, WriteFileTool
from agent.tools.search import GlobTool, GrepTool, ListFilesTool
from agent.tools.workspace import OutsideWorkspace, Workspace

SECRET = "TOPSECRET-d41d8cd9"
RACE_FLIPS = 2000
DEADLINE_S = 60.0


def _kernel_has_openat2() -> bool:
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.close(safe_open._openat2(fd, ".", os.O_RDONLY | os.O_DIRECTORY, safe_open.RESOLVE_BENEATH))
        return True
    except (OSError, AttributeError):
        return False
    finally:
        os.close(fd)


@pytest.fixture(params=["openat2", "walk"])
def mode(request, monkeypatch):
    """Run the test with openat2 resolving directories, then with the fallback walk only."""
    if request.param == "openat2":
        if not _kernel_has_openat2():
            pytest.skip("this kernel (or its seccomp filter) has no openat2; the walk is tested")
        monkeypatch.setattr(safe_open, "use_openat2", None)
    else:
        monkeypatch.setattr(safe_open, "use_openat2", False)
    return request.param


@pytest.fixture
def outside(ws: Path) -> Path:
    """A directory next to the workspace holding a secret file."""
    out = ws.parent / "outside"
    out.mkdir()
    (out / "secret.txt").write_text(SECRET + "\n")
    return out


def run(tool, ctx, **params):
    return tool.run(tool.Params(**params), ctx)


def read(ctx, path):
    return run(ReadFileTool(), ctx, path=path)


def write(ctx, path, content):
    return run(WriteFileTool(), ctx, path=path, content=content, overwrite=True)


def edit(ctx, path, old, new):
    return run(EditTool(), ctx, path=path, old_string=old, new_string=new)


def bounded(fn, *unblock: Path):
    """Run ``fn`` in a thread; fail (not hang) if it has not finished in DEADLINE_S.

    On a timeout each FIFO in ``unblock`` is opened read-write and closed, which releases
    a thread stuck opening or reading it, so the test run can go on.
    """
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(DEADLINE_S)
    if t.is_alive():
        for fifo in unblock:
            os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        t.join(DEADLINE_S)
        pytest.fail(f"the call was still blocked after {DEADLINE_S} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- symlinks out -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["relative", "absolute"])
def test_symlink_to_outside_file_is_refused_for_every_tool(ctx, ws, outside, mode, target):
    secret = outside / "secret.txt"
    (ws / "link.txt").symlink_to(secret if target == "absolute" else Path("../outside/secret.txt"))
    for call in (lambda: read(ctx, "link.txt"), lambda: write(ctx, "link.txt", "pwned"),
                 lambda: edit(ctx, "link.txt", SECRET, "pwned")):
        with pytest.raises(OutsideWorkspace):
            call()
    assert secret.read_text() == SECRET + "\n"
    assert (ws / "link.txt").is_symlink()


def test_nested_directory_symlink_out_is_refused(ctx, ws, outside, mode):
    (ws / "a").symlink_to(outside)  # a -> /tmp/.../outside, absolute
    with pytest.raises(OutsideWorkspace):
        read(ctx, "a/secret.txt")
    with pytest.raises(OutsideWorkspace):
        write(ctx, "a/new.txt", "x")
    with pytest.raises(OutsideWorkspace):
        write(ctx, "a/deeper/new.txt", "x")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_dotdot_tricks_are_refused(ctx, ws, outside, mode):
    (ws / "sub").mkdir()
    (ws / "up").symlink_to("..")  # a relative link to the workspace's parent
    for path in ("../outside/secret.txt", "sub/../../outside/secret.txt", "up/outside/secret.txt",
                 str(ws / ".." / "outside" / "secret.txt")):
        with pytest.raises(OutsideWorkspace):
            read(ctx, path)
        with pytest.raises(OutsideWorkspace):
            write(ctx, path, "pwned")
    assert (outside / "secret.txt").read_text() == SECRET + "\n"


def test_safe_open_refuses_links_out_that_resolve_never_saw(ws, outside, mode):
    """The descriptor walk itself refuses a way out, whatever checked the path before."""
    space = Workspace(ws)
    (ws / "sub").mkdir()
    (ws / "abs.txt").symlink_to(outside / "secret.txt")
    (ws / "rel.txt").symlink_to("sub/../../outside/secret.txt")
    (ws / "dir").symlink_to(outside)
    (ws / "sub" / "chain").symlink_to("../up")  # a chain: sub/chain -> ../up -> ..
    (ws / "up").symlink_to("..")
    (ws / "loop").symlink_to("loop")
    for name in ("abs.txt", "rel.txt", "dir/secret.txt", "sub/chain/outside/secret.txt"):
        with pytest.raises(OutsideWorkspace):
            safe_open.read_bytes(space, space.root / name)
        with pytest.raises(OutsideWorkspace):
            safe_open.write_bytes(space, space.root / name, b"pwned")
    with pytest.raises(ToolError, match="too many levels of symlinks"):
        safe_open.read_bytes(space, space.root / "loop")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == SECRET + "\n"


def test_symlinks_that_stay_inside_are_followed(ctx, ws, mode):
    (ws / "real").mkdir()
    (ws / "real" / "f.txt").write_text("inside\n")
    (ws / "rel").symlink_to("real")
    (ws / "abs").symlink_to(ws / "real")  # absolute, but under the root
    (ws / "sub").mkdir()
    (ws / "sub" / "back").symlink_to("../real/f.txt")
    space = Workspace(ws)
    for name in ("rel/f.txt", "abs/f.txt", "sub/back"):
        assert read(ctx, name).output == "     1\tinside"
        assert safe_open.read_bytes(space, space.root / name) == b"inside\n"
    write(ctx, "rel/new.txt", "made\n")
    assert (ws / "real" / "new.txt").read_text() == "made\n"
    safe_open.write_bytes(space, space.root / "sub/back", b"through the link\n")
    assert (ws / "real" / "f.txt").read_text() == "through the link\n"
    assert (ws / "sub" / "back").is_symlink()
    if mode == "openat2":
        assert safe_open.use_openat2 is True  # the kernel path was really taken


# -- the check-then-open race --------------------------------------------------------


class SwappingWorkspace(Workspace):
    """A workspace whose attacker wins every race: right after a path is checked, ``swap`` runs."""

    def __init__(self, root: Path, swap):
        super().__init__(root)
        self.swap = swap

    def resolve(self, path):
        resolved = super().resolve(path)
        self.swap()
        return resolved


def _swap_to_link(path: Path, target: Path):
    def swap():
        if not path.is_symlink():
            tmp = path.with_name(path.name + ".swap")
            tmp.symlink_to(target)
            os.replace(tmp, path)
    return swap


def test_file_swapped_for_a_link_out_after_the_check_is_refused(ws, outside, mode):
    secret = outside / "secret.txt"
    target = ws / "f.txt"
    ctx = ToolContext(workspace=SwappingWorkspace(ws, _swap_to_link(target, secret)))
    for call in (lambda: read(ctx, "f.txt"), lambda: write(ctx, "f.txt", "pwned"),
                 lambda: edit(ctx, "f.txt", "inside", "pwned"),
                 lambda: run(GrepTool(), ctx, pattern="TOP", path="f.txt")):
        target.unlink(missing_ok=True)
        target.write_text("inside\n")
        try:
            obs = call()
        except (OutsideWorkspace, ToolError) as e:
            assert SECRET not in str(e)
        else:
            assert SECRET not in obs.output
        assert secret.read_text() == SECRET + "\n"


def test_directory_swapped_for_a_link_out_after_the_check_is_refused(ws, outside, mode):
    d = ws / "d"

    def swap():
        if not d.is_symlink():
            os.rename(d, ws / "d.old")
            d.symlink_to(outside)

    ctx = ToolContext(workspace=SwappingWorkspace(ws, swap))
    for call in (lambda: read(ctx, "d/secret.txt"), lambda: write(ctx, "d/secret.txt", "pwned"),
                 lambda: write(ctx, "d/new/deep.txt", "pwned"),
                 lambda: run(GrepTool(), ctx, pattern="TOP", path="d")):
        if d.is_symlink():
            d.unlink()
            os.rename(ws / "d.old", d)
        d.mkdir(exist_ok=True)
        (d / "secret.txt").write_text("decoy\n")
        try:
            obs = call()
        except (OutsideWorkspace, ToolError, FileNotFoundError) as e:
            assert SECRET not in str(e)
        else:
            assert SECRET not in obs.output
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == SECRET + "\n"


class Flipper(threading.Thread):
    """Flip ``path`` between a regular file (or a directory holding secret.txt) and a symlink
    out, RACE_FLIPS times in a tight loop, then set ``done``."""

    def __init__(self, path: Path, regular: bytes, link_to: Path, *, is_dir: bool = False):
        super().__init__(daemon=True)
        self.path, self.regular, self.link_to, self.is_dir = path, regular, link_to, is_dir
        self.done = threading.Event()
        self.flips = 0

    def run(self):
        path = self.path
        tmp_link, tmp_real, junk = (path.with_name(n) for n in (".flip-link", ".flip-real", ".flip-junk"))
        try:
            for _ in range(RACE_FLIPS):
                os.symlink(self.link_to, tmp_link)
                if self.is_dir:  # a directory cannot be renamed over a link, nor a link over it
                    os.rename(path, junk)
                    os.rename(tmp_link, path)
                    (junk / "secret.txt").unlink()
                    junk.rmdir()
                    os.mkdir(tmp_real)
                    (tmp_real / "secret.txt").write_bytes(self.regular)
                    path.unlink()
                    os.rename(tmp_real, path)
                else:
                    os.replace(tmp_link, path)
                    tmp_real.write_bytes(self.regular)
                    os.replace(tmp_real, path)
                self.flips += 1
        finally:
            self.done.set()


def _race(call, flipper: Flipper) -> tuple[list[str], int]:
    """Call ``call`` over and over while the flipper runs; every output and error text, and how many worked."""
    seen, ok = [], 0
    flipper.start()
    for _ in range(100 * RACE_FLIPS):  # a bound, should the flipper die early
        if flipper.done.is_set():
            break
        try:
            seen.append(call().output)
            ok += 1
        except (OutsideWorkspace, ToolError, OSError) as e:
            seen.append(str(e))
    flipper.join(DEADLINE_S)
    assert not flipper.is_alive()
    assert flipper.flips == RACE_FLIPS, "the flipper stopped early: the race test would prove nothing"
    return seen, ok


def test_read_file_racing_a_symlink_flip_never_shows_the_secret(ctx, ws, outside, mode):
    (ws / "f.txt").write_text("inside\n")
    seen, ok = _race(lambda: read(ctx, "f.txt"), Flipper(ws / "f.txt", b"inside\n", outside / "secret.txt"))
    assert not [s for s in seen if SECRET in s]
    assert ok > 0, "read_file never got through: the race test would prove nothing"


def test_read_file_racing_a_directory_flip_never_shows_the_secret(ctx, ws, outside, mode):
    (ws / "d").mkdir()
    (ws / "d" / "secret.txt").write_text("inside\n")
    seen, ok = _race(lambda: read(ctx, "d/secret.txt"), Flipper(ws / "d", b"inside\n", outside, is_dir=True))
    assert not [s for s in seen if SECRET in s]
    assert ok > 0, "read_file never got through: the race test would prove nothing"


def test_write_file_racing_a_symlink_flip_never_changes_the_outside_file(ctx, ws, outside, mode):
    (ws / "f.txt").write_text("inside\n")
    seen, ok = _race(lambda: write(ctx, "f.txt", "written\n"),
                     Flipper(ws / "f.txt", b"inside\n", outside / "secret.txt"))
    assert (outside / "secret.txt").read_text() == SECRET + "\n"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert ok > 0, "write_file never got through: the race test would prove nothing"


# -- hard links ---------------------------------------------------------------------


def test_write_and_edit_refuse_a_hard_link_to_an_outside_file(ctx, ws, outside):
    victim = outside / "secret.txt"
    os.link(victim, ws / "hl.txt")
    for call in (lambda: write(ctx, "hl.txt", "pwned"),
                 lambda: edit(ctx, "hl.txt", SECRET, "pwned"),
                 lambda: run(MultiEditTool(), ctx, path="hl.txt",
                             edits=[{"old_string": SECRET, "new_string": "pwned"}])):
        with pytest.raises(ToolError) as e:
            call()
        assert str(e.value) == ("refusing to write hl.txt: it has 2 hard links, "
                                "so the write could change a file outside the workspace")
    assert victim.read_text() == SECRET + "\n"
    assert (ws / "hl.txt").read_text() == SECRET + "\n"


def test_write_keeps_permissions_and_leaves_no_temp_file(ctx, ws):
    script = ws / "run.sh"
    script.write_text("echo old\n")
    script.chmod(0o750)
    read(ctx, "run.sh")
    write(ctx, "run.sh", "echo new\n")
    edit(ctx, "run.sh", "new", "newer")
    assert script.read_text() == "echo newer\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert sorted(p.name for p in ws.iterdir()) == ["run.sh"]


# -- FIFOs, sockets, devices -------------------------------------------------------------


def test_fifo_is_refused_promptly_by_read_write_and_edit(ctx, ws, mode):
    fifo = ws / "pipe"
    os.mkfifo(fifo)
    for call in (lambda: read(ctx, "pipe"), lambda: write(ctx, "pipe", "x"),
                 lambda: edit(ctx, "pipe", "a", "b"),
                 lambda: run(MultiEditTool(), ctx, path="pipe", edits=[{"old_string": "a", "new_string": "b"}])):
        with pytest.raises(ToolError, match=r"pipe: it is a FIFO \(named pipe\), not a regular file"):
            bounded(call, fifo)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_symlink_to_a_fifo_is_refused_promptly(ctx, ws, mode):
    os.mkfifo(ws / "pipe")
    (ws / "sub").mkdir()
    (ws / "sub" / "link").symlink_to("../pipe")
    with pytest.raises(ToolError, match="FIFO"):
        bounded(lambda: read(ctx, "sub/link"), ws / "pipe")
    with pytest.raises(ToolError, match="FIFO"):
        bounded(lambda: write(ctx, "sub/link", "x"), ws / "pipe")


def test_grep_glob_and_list_files_complete_over_fifos(ctx, ws):
    os.mkfifo(ws / "pipe.txt")
    (ws / "pipe-link.txt").symlink_to("pipe.txt")
    (ws / "a.txt").write_text("needle here\n")
    out = bounded(lambda: run(GrepTool(), ctx, pattern="needle"), ws / "pipe.txt").output
    assert out == "a.txt:1:needle here"
    out = bounded(lambda: run(GrepTool(), ctx, pattern="needle", path="pipe.txt"), ws / "pipe.txt").output
    assert out == ("no matches for 'needle' in pipe.txt\n"
                   "[skipped 1 FIFOs, sockets or devices: they are not regular files]")
    assert bounded(lambda: run(GlobTool(), ctx, pattern="*.txt")).output == "a.txt"
    assert bounded(lambda: run(ListFilesTool(), ctx)).output == "a.txt"


def test_fifo_gitignore_does_not_hang_the_walk(ctx, ws):
    os.mkfifo(ws / ".gitignore")
    (ws / "a.txt").write_text("needle\n")
    assert bounded(lambda: run(GrepTool(), ctx, pattern="needle"), ws / ".gitignore").output == "a.txt:1:needle"


def test_code_tools_complete_over_a_fifo_source_file(ctx, ws):
    os.mkfifo(ws / "pipe.py")
    (ws / "a.py").write_text("def needle():\n    return needle\n")
    out = bounded(lambda: run(FindReferencesTool(), ctx, name="needle"), ws / "pipe.py").output
    assert "a.py:2: return needle" in out
    with pytest.raises(ToolError, match="could not read pipe.py"):
        bounded(lambda: run(OutlineTool(), ctx, path="pipe.py"), ws / "pipe.py")


def test_unix_socket_is_refused(ctx, ws, monkeypatch):
    monkeypatch.chdir(ws)  # a short relative name: socket paths are limited to 108 bytes
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind("sock")
        for call in (lambda: read(ctx, "sock"), lambda: write(ctx, "sock", "x"),
                     lambda: edit(ctx, "sock", "a", "b")):
            with pytest.raises(ToolError, match="sock: it is a socket, not a regular file"):
                bounded(call)
        (ws / "a.txt").write_text("needle\n")
        assert bounded(lambda: run(GrepTool(), ctx, pattern="needle")).output == "a.txt:1:needle"
        assert stat.S_ISSOCK((ws / "sock").lstat().st_mode)


def test_character_device_is_refused(ctx, ws):
    if os.geteuid() != 0:
        pytest.skip("making a device node (mknod) needs root")
    try:
        os.mknod(ws / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod is not allowed here (a container without CAP_MKNOD)")
    for call in (lambda: read(ctx, "null"), lambda: write(ctx, "null", "x"),
                 lambda: edit(ctx, "null", "a", "b")):
        with pytest.raises(ToolError, match="null: it is a character device, not a regular file"):
            bounded(call)
    assert stat.S_ISCHR((ws / "null").lstat().st_mode)
    out = bounded(lambda: run(GrepTool(), ctx, pattern="x", path="null")).output
    assert "[skipped 1 FIFOs, sockets or devices" in out


def test_write_in_a_directory_without_write_permission_writes_in_place(ctx, ws):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions, so the in-place path is not reached")
    (ws / "ro").mkdir()
    (ws / "ro" / "f.txt").write_text("old\n")
    (ws / "ro").chmod(0o555)
    try:
        write(ctx, "ro/f.txt", "new\n")
        assert (ws / "ro" / "f.txt").read_text() == "new\n"
        with pytest.raises(ToolError, match="cannot create ro/g.txt: no permission to add files to its directory"):
            write(ctx, "ro/g.txt", "x")
    finally:
        (ws / "ro").chmod(0o755)
