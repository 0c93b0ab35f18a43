"""Open workspace files by file descriptor, so what was checked is what gets opened.

:meth:`Workspace.resolve` checks a path by name; a symlink swapped in after that check (a
TOCTOU race) would still lead out. Everything here walks from a descriptor of the workspace
root instead, one directory descriptor at a time, and opens the last name relative to its
parent's descriptor with ``O_NOFOLLOW``:

- On Linux >= 5.6 the directory part is resolved in one ``openat2(2)`` call with
  ``RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS``: the kernel refuses, atomically, any ``..`` or
  symlink that leaves the root, and absolute symlinks. Where openat2 is missing (``ENOSYS``)
  or filtered (``EPERM`` under a container's seccomp), and for the cases it refuses but we
  allow, the same walk is done component by component with ``O_NOFOLLOW``.
- Symlinks whose target stays inside the workspace are followed (a repository may have
  them: ``docs -> ../shared/docs``), which is why ``RESOLVE_NO_SYMLINKS`` is not used: it
  would refuse every link, and ``RESOLVE_BENEATH`` already refuses those that lead out. An
  absolute target is allowed only when it names a path under the workspace root (the walk
  handles it: openat2 refuses all absolute links). Each link is read with ``readlinkat`` on
  the held directory descriptor and its target walked the same way, so a link can never
  take the walk out, whenever it is swapped in. ``..`` above the root is refused.
- Only regular files are opened: the last name is ``lstat``-ed first (a device is never
  opened), then opened with ``O_NONBLOCK`` (a FIFO swapped in cannot block) and ``fstat``-ed;
  FIFOs, sockets and devices are refused with a one-line error.
- Writes look at the last name with ``fstatat(AT_SYMLINK_NOFOLLOW)`` (one atomic look) and
  never write through it: the new content goes to a temporary file in the same directory
  (by descriptor) that is renamed over the name with ``renameat``, which replaces a symlink
  or hard link rather than following it. Files with more than one hard link are refused
  anyway, since the user may not expect the other names to stop sharing the content. Only
  where the directory forbids new names is an existing file rewritten in place, by a
  descriptor opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with ``fstat`` first.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import stat
import sys
from collections import deque
from pathlib import Path
from typing import BinaryIO

from agent.tools.base import ToolError
from agent.tools.workspace import OutsideWorkspace, Workspace

SYS_OPENAT2 = 437  # the same number on every Linux architecture (the unified syscall table)
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_BENEATH = 0x08
MAX_SYMLINKS = 40  # as the kernel's own limit (ELOOP)

O_PATH = getattr(os, "O_PATH", os.O_RDONLY)
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
O_NOCTTY = getattr(os, "O_NOCTTY", 0)
DIR_FLAGS = O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | O_CLOEXEC
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | O_CLOEXEC | O_NOCTTY

# None: not probed yet; True/False once known. Tests set it to False to run the fallback walk.
use_openat2: bool | None = None if sys.platform.startswith("linux") else False


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


_syscall = None


def _openat2(dir_fd: int, path: str, flags: int, resolve: int) -> int:
    """``openat2(2)`` through libc's ``syscall``; raises OSError with the kernel's errno."""
    global _syscall
    if _syscall is None:
        libc = ctypes.CDLL(None, use_errno=True)
        _syscall = libc.syscall
        _syscall.restype = ctypes.c_long
    how = _OpenHow(flags, 0, resolve)
    fd = _syscall(ctypes.c_long(SYS_OPENAT2), ctypes.c_int(dir_fd), ctypes.c_char_p(os.fsencode(path)),
                  ctypes.byref(how), ctypes.c_size_t(ctypes.sizeof(how)))
    if fd < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), path)
    return int(fd)


class NotRegularFile(ToolError):
    """A FIFO, socket or device where a regular file was wanted: refused, never opened for I/O."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def _escape(rel: str, root: Path) -> OutsideWorkspace:
    return OutsideWorkspace(
        f"path {rel!r} leads outside the workspace {root} (through a symlink or '..'); use a path inside it"
    )


class _Located:
    """The directory descriptor that holds the last name of a path, and that name.

    ``name`` is None when the path is the directory itself (the root, or one ending in '..').
    """

    def __init__(self, dir_fd: int, name: str | None):
        self.dir_fd, self.name = dir_fd, name

    def close(self) -> None:
        os.close(self.dir_fd)

    def __enter__(self) -> _Located:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _rel(ws: Workspace, path: str | os.PathLike[str]) -> str:
    """``path`` relative to the root for messages, without following anything."""
    try:
        return Path(path).relative_to(ws.root).as_posix()
    except ValueError:
        return str(path)


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _under_root(target: str, root: Path) -> list[str] | None:
    """The components of absolute ``target`` below ``root``, or None if it is not under it."""
    parts, root_parts = _parts(target), _parts(str(root))
    if parts[: len(root_parts)] != root_parts:
        return None
    return parts[len(root_parts):]


def _walk(root: Path, root_fd: int, parts: list[str], rel: str, *, create_dirs: bool) -> _Located:
    """Resolve ``parts`` from ``root_fd`` one component at a time, never leaving the root.

    Every directory is opened with ``O_NOFOLLOW`` relative to its parent's descriptor; a symlink
    met on the way (last name included) is read with ``readlinkat`` and its target walked the
    same way, from the link's directory or, for an absolute target under the root, from the
    root. Missing directories are made with ``mkdirat`` when ``create_dirs``.
    """
    stack = [os.dup(root_fd)]  # descriptors from the root down to the current directory
    pending = deque(parts)
    hops = 0
    try:
        while pending:
            part = pending.popleft()
            if part == "..":
                if len(stack) == 1:
                    raise _escape(rel, root)
                os.close(stack.pop())
                if not pending:
                    return _Located(stack.pop(), None)
                continue
            last = not pending
            try:
                st = os.stat(part, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                if last or not create_dirs:
                    if last:
                        return _Located(stack.pop(), part)
                    raise
                try:
                    os.mkdir(part, 0o777, dir_fd=stack[-1])
                except FileExistsError:  # made meanwhile: look again
                    pass
                pending.appendleft(part)
                continue
            if stat.S_ISLNK(st.st_mode):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise ToolError(f"{rel}: too many levels of symlinks; give the real path")
                try:
                    target = os.readlink(part, dir_fd=stack[-1])
                except OSError:  # swapped for something else meanwhile: look again
                    pending.appendleft(part)
                    continue
                if target.startswith("/"):
                    below = _under_root(target, root)
                    if below is None:
                        raise _escape(rel, root)
                    while len(stack) > 1:
                        os.close(stack.pop())
                    pending.extendleft(reversed(below))
                else:
                    pending.extendleft(reversed(_parts(target)))
                continue
            if last:
                return _Located(stack.pop(), part)
            if not stat.S_ISDIR(st.st_mode):
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", rel)
            try:
                fd = os.open(part, DIR_FLAGS, dir_fd=stack[-1])
            except OSError as e:
                if e.errno in (errno.ENOTDIR, errno.ELOOP):
                    hops += 1  # swapped for a symlink between the stat and the open: look again
                    if hops > MAX_SYMLINKS:
                        raise ToolError(f"{rel}: too many levels of symlinks; give the real path") from None
                    pending.appendleft(part)
                    continue
                raise
            stack.append(fd)
        return _Located(stack.pop(), None)
    finally:
        for fd in stack:
            os.close(fd)


def _locate(ws: Workspace, path: Path, *, create_dirs: bool = False) -> _Located:
    """The parent directory descriptor and last name of ``path`` (a path under ``ws.root``).

    The caller closes it. Raises OutsideWorkspace for a path that leaves the root,
    FileNotFoundError / NotADirectoryError for a missing directory on the way.
    """
    global use_openat2
    root = ws.root
    try:
        rel_path = Path(path).relative_to(root)
    except ValueError:
        raise _escape(str(path), root) from None
    rel = rel_path.as_posix()
    parts = _parts(rel)
    root_fd = os.open(root, O_PATH | os.O_DIRECTORY | O_CLOEXEC)
    try:
        if not parts:
            return _Located(os.dup(root_fd), None)
        if use_openat2 is not False and len(parts) > 1 and ".." not in parts:
            try:
                dir_fd = _openat2(root_fd, "/".join(parts[:-1]), O_PATH | os.O_DIRECTORY | O_CLOEXEC,
                                  RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
            except OSError as e:
                if e.errno in (errno.ENOSYS, errno.EPERM):  # no openat2, or seccomp forbids it
                    use_openat2 = False
                # EXDEV (an absolute or escaping link), ELOOP, EAGAIN, ENOENT...: the walk decides
            else:
                use_openat2 = True
                located = _Located(dir_fd, parts[-1])
                try:
                    st = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
                except FileNotFoundError:
                    return located
                except OSError:
                    located.close()
                    raise
                if not stat.S_ISLNK(st.st_mode):
                    return located
                located.close()  # the last name is a link: the walk follows it, inside the root
        return _walk(root, root_fd, parts, rel, create_dirs=create_dirs)
    finally:
        os.close(root_fd)


def _refuse_special(verb: str, rel: str, mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", rel)
    if not stat.S_ISREG(mode):
        raise NotRegularFile(f"refusing to {verb} {rel}: it is {_kind(mode)}, not a regular file")


def _open_regular(located: _Located, rel: str, verb: str) -> int:
    """Open the located name read-only if it is a regular file; never blocks, never follows a link."""
    if located.name is None:
        raise IsADirectoryError(errno.EISDIR, "is a directory", rel)
    st = os.stat(located.name, dir_fd=located.dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(st.st_mode):
        raise ToolError(f"refusing to {verb} {rel}: it changed into a symlink while being opened; try again")
    _refuse_special(verb, rel, st.st_mode)  # before the open: a device is never opened
    try:
        fd = os.open(located.name, READ_FLAGS, dir_fd=located.dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ToolError(f"refusing to {verb} {rel}: it changed into a symlink while being opened; try again") from None
        if e.errno == errno.ENXIO:  # a socket swapped in
            raise NotRegularFile(f"refusing to {verb} {rel}: it is a socket, not a regular file") from None
        raise
    try:
        st = os.fstat(fd)
        _refuse_special(verb, rel, st.st_mode)  # what was opened is what counts
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_read(ws: Workspace, path: Path) -> BinaryIO:
    """``path`` (under the workspace root) opened for reading, if it is a regular file inside.

    Raises FileNotFoundError / NotADirectoryError (missing), IsADirectoryError, OutsideWorkspace,
    or ToolError (a FIFO, socket or device). Hard-linked files are read (see SECURITY.md).
    """
    rel = _rel(ws, path)
    with _locate(ws, Path(path)) as located:
        fd = _open_regular(located, rel, "read")
    return os.fdopen(fd, "rb")


def read_bytes(ws: Workspace, path: Path, max_bytes: int | None = None) -> bytes:
    """The content of a regular file inside the workspace (at most ``max_bytes``); see :func:`open_read`."""
    with open_read(ws, path) as f:
        return f.read() if max_bytes is None else f.read(max_bytes)


def read_under(root: Path, rel: str, max_bytes: int | None = None) -> bytes:
    """:func:`read_bytes` for callers that hold a root directory and a relative path (the code index)."""
    ws = Workspace(root)
    return read_bytes(ws, ws.root / rel, max_bytes)


def write_bytes(ws: Workspace, path: Path, data: bytes) -> bool:
    """Replace (or create) ``path`` inside the workspace with ``data``; True if it existed.

    Missing parent directories are made one at a time by descriptor. The content goes to a
    temporary file next to it, renamed over the name, so neither a symlink nor a hard link
    swapped in is written through; the old file's permissions (and owner, where allowed) are
    kept. Refuses directories, FIFOs, sockets, devices and files with more than one hard link.
    """
    rel = _rel(ws, path)
    with _locate(ws, Path(path), create_dirs=True) as located:
        if located.name is None:
            raise IsADirectoryError(errno.EISDIR, "is a directory", rel)
        old: os.stat_result | None = None
        try:  # fstatat without following: one atomic look at what the name is now
            old = os.stat(located.name, dir_fd=located.dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            pass
        else:
            if stat.S_ISLNK(old.st_mode):
                raise ToolError(f"refusing to write {rel}: it changed into a symlink while being opened; try again")
            _refuse_special("write", rel, old.st_mode)
            if old.st_nlink > 1:
                raise ToolError(
                    f"refusing to write {rel}: it has {old.st_nlink} hard links, "
                    "so the write could change a file outside the workspace"
                )
        tmp = f".{located.name[:100]}.limi-{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | O_CLOEXEC,
                         0o666, dir_fd=located.dir_fd)
        except PermissionError:  # a directory we may not add names to: write the file in place
            if old is None:
                raise ToolError(f"cannot create {rel}: no permission to add files to its directory") from None
            _write_in_place(located, rel, data)
            return True
        try:
            try:
                if old is not None:
                    os.fchmod(fd, stat.S_IMODE(old.st_mode))
                    if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                        try:
                            os.fchown(fd, old.st_uid, old.st_gid)
                        except PermissionError:
                            pass
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.rename(tmp, located.name, src_dir_fd=located.dir_fd, dst_dir_fd=located.dir_fd)
        except BaseException:
            try:
                os.unlink(tmp, dir_fd=located.dir_fd)
            except OSError:
                pass
            raise
    return old is not None


def _write_in_place(located: _Located, rel: str, data: bytes) -> None:
    """Truncate and write the existing regular file by descriptor, after the same checks on the
    opened descriptor (``O_NOFOLLOW``, ``O_NONBLOCK``, regular, one link) and before truncating."""
    try:
        fd = os.open(located.name, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                     dir_fd=located.dir_fd)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENXIO):  # a symlink, or a socket / FIFO swapped in
            raise ToolError(f"refusing to write {rel}: it changed while being opened; try again") from None
        raise
    try:
        st = os.fstat(fd)
        _refuse_special("write", rel, st.st_mode)
        if st.st_nlink > 1:
            raise ToolError(
                f"refusing to write {rel}: it has {st.st_nlink} hard links, "
                "so the write could change a file outside the workspace"
            )
        os.set_blocking(fd, True)
        os.ftruncate(fd, 0)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def open_dir(ws: Workspace, path: Path) -> int:
    """A readable descriptor of directory ``path`` inside the workspace (for ``os.scandir``).

    Raises OutsideWorkspace, FileNotFoundError or NotADirectoryError. The caller closes it.
    """
    with _locate(ws, Path(path)) as located:
        if located.name is None:
            return os.open(".", os.O_RDONLY | os.O_DIRECTORY | O_CLOEXEC, dir_fd=located.dir_fd)
        return open_subdir(located.dir_fd, located.name)


def open_subdir(dir_fd: int, name: str) -> int:
    """A readable descriptor of directory ``name`` in ``dir_fd``; a symlink is not followed (ELOOP/ENOTDIR)."""
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | O_CLOEXEC, dir_fd=dir_fd)
