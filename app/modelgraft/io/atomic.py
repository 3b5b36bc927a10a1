"""Atomic saves: a file or directory is either the old one or the complete new one, never half.

Every writer puts its output next to the destination first (same directory, so the same
file system), flushes it to disk, then renames it into place and flushes the directory.
On any error the temporary output is removed and the destination is left untouched.

A process killed in the middle of a save cannot clean up after itself, so temporary
outputs are made easy to recognise and to prove abandoned:

- A file is written into an anonymous file (Linux ``O_TMPFILE``) that only gets a name
  an instant before it is renamed over the destination; a kill before that leaves nothing.
- Named temporaries are called ``.{name}.{pid}.{random}.mgtmp`` (a directory an old
  directory is moved into while it is replaced ends in ``.mgold``), and the writer holds
  an exclusive ``flock`` on them while it works. The kernel drops that lock when the
  process dies, however it dies.
- Every atomic write first sweeps its directory: a temporary nobody holds a lock on,
  whose process is gone (or which is older than :data:`STALE_AFTER_S`, for a pid that
  was reused), is removed; without advisory locks (Windows) only temporaries older than a
  day are. A directory replacement interrupted after the old directory
  was moved aside (only where the file system cannot swap two directories in one step)
  is undone by putting the old directory back.

Directories are replaced in one step where the system can swap two paths (Linux
``renameat2(RENAME_EXCHANGE)``, macOS ``renamex_np(RENAME_SWAP)``); elsewhere the old
directory is moved aside first, leaving a moment in which the destination is missing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STALE_AFTER_S",
    "TEMP_PATTERN",
    "atomic_path",
    "atomic_replace_dir",
    "atomic_write_bytes",
    "atomic_write_text",
]

StrPath = str | os.PathLike[str]

TEMP_PATTERN = re.compile(r"^\..*\.(?P<pid>\d+)\.(?P<token>[a-z0-9_]+)\.(?P<kind>mgtmp|mgold)$")
"""The names of temporary outputs: ``.{name}.{pid}.{random}.mgtmp`` (or ``.mgold``)."""

STALE_AFTER_S = 60.0 if fcntl is not None else 86400.0
"""Age after which an unlocked temporary of a still-running pid counts as abandoned."""

_NAME_CHARS = 100  # of the destination's name kept in a temporary's name (names max out at 255)
_ACTIVE: set[str] = set()  # this process's temporaries being written right now


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


# ---------------------------------------------------------------------------- flushing


def _fsync_dir(directory: Path) -> None:
    """Flush a directory entry to disk (a no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_tree(root: Path) -> None:
    """Flush every file and directory below ``root`` (and ``root`` itself) to disk."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                _fsync_file(path)
        _fsync_dir(Path(folder))


def _remove(path: Path) -> None:
    """Remove a file or a directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _mode_for(dest: Path) -> int:
    """The permissions of ``dest``, or the usual ones for a new file."""
    try:
        return dest.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK


def _set_mode(fd: int, path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):
        if os.name == "nt":
            os.chmod(path, mode)
        else:
            os.fchmod(fd, mode)


# ---------------------------------------------------------------------------- temporaries


def _prefix(dest: Path) -> str:
    return f".{dest.name[:_NAME_CHARS]}.{os.getpid()}."


def _lock(fd: int) -> None:
    """Hold an exclusive lock on ``fd`` until it is closed (waits out a sweeper's brief look)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _try_lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _pid_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (unknown counts as running)."""
    if pid == os.getpid() or os.name == "nt":
        return True  # Windows has no harmless probe; the age rule decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


@contextlib.contextmanager
def _staging(dest: Path, suffix: str = ".mgtmp") -> Iterator[Path]:
    """A locked, empty temporary directory next to ``dest``, removed with its content at the end."""
    staging = Path(tempfile.mkdtemp(prefix=_prefix(dest), suffix=suffix, dir=dest.parent))
    _ACTIVE.add(str(staging))
    fd = None
    try:
        if os.name != "nt":
            fd = os.open(staging, os.O_RDONLY)
            _lock(fd)
        yield staging
    finally:
        _remove(staging)
        _ACTIVE.discard(str(staging))
        if fd is not None:
            os.close(fd)


def _sweep(directory: Path) -> None:
    """Remove temporaries in ``directory`` left by processes that died while saving."""
    try:
        names = [entry.name for entry in os.scandir(directory)]
    except OSError:
        return
    for name in names:
        match = TEMP_PATTERN.match(name)
        path = directory / name
        if match is None or str(path) in _ACTIVE:
            continue
        with contextlib.suppress(OSError):
            _sweep_one(path, int(match["pid"]), match["kind"] == "mgold")


def _sweep_one(path: Path, pid: int, aside: bool) -> None:
    """Remove ``path`` (after putting back what it holds, for an aside) if it is abandoned."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if not _try_lock(fd):
            return  # its writer is still at work
        if _pid_running(pid) and time.time() - os.fstat(fd).st_mtime < STALE_AFTER_S:
            return  # just created by a live writer that has not locked it yet
        if aside:
            _restore_aside(path)
        _remove(path)
    finally:
        os.close(fd)


def _restore_aside(aside_dir: Path) -> None:
    """Put an old directory moved aside back where it was, unless a new one has taken its place."""
    for old in aside_dir.iterdir():
        dest = aside_dir.parent / old.name
        if not dest.exists() and not dest.is_symlink():
            os.rename(old, dest)
            _fsync_dir(dest.parent)


# ---------------------------------------------------------------------------- files


def _write_anonymous(dest: Path, data: bytes, mode: int) -> bool:
    """Write ``data`` to an unnamed file (Linux ``O_TMPFILE``) and move it to ``dest``.

    Returns:
        ``False`` if this system or file system cannot (nothing was written then).
    """
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(dest.parent, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:
        return False
    tmp = None
    try:
        _lock(fd)
        _write_fd(fd, data)
        _set_mode(fd, dest, mode)
        tmp = _link_anonymous(fd, dest)
        if tmp is None:
            return False
        _ACTIVE.add(str(tmp))
        os.replace(tmp, dest)
    except BaseException:
        if tmp is not None:
            _remove(tmp)
        raise
    finally:
        if tmp is not None:
            _ACTIVE.discard(str(tmp))
        os.close(fd)
    return True


def _link_anonymous(fd: int, dest: Path) -> Path | None:
    """Give the locked anonymous file ``fd`` a temporary name next to ``dest``; ``None`` if refused."""
    # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N; Python calls plain link() (which does not
    # follow the magic link) unless a directory descriptor is given
    proc_fd = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        while True:
            tmp = dest.parent / f"{_prefix(dest)}{secrets.token_hex(4)}.mgtmp"
            try:
                os.link(str(fd), tmp, src_dir_fd=proc_fd, follow_symlinks=True)
            except FileExistsError:
                continue
            except OSError:  # e.g. a sandbox that does not allow linking through /proc
                return None
            return tmp
    finally:
        os.close(proc_fd)


def _write_named(dest: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a named temporary next to ``dest`` and move it to ``dest``."""
    fd, name = tempfile.mkstemp(prefix=_prefix(dest), suffix=".mgtmp", dir=dest.parent)
    _ACTIVE.add(name)
    try:
        _lock(fd)
        _write_fd(fd, data)
        _set_mode(fd, Path(name), mode)
        os.replace(name, dest)
    except BaseException:
        _remove(Path(name))
        raise
    finally:
        _ACTIVE.discard(name)
        os.close(fd)


def _write_fd(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def atomic_write_bytes(path: StrPath, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The file is flushed to disk before it replaces ``path`` (keeping the old file's
    permissions, or giving a new one the usual ones under the umask), and the directory
    after.

    Args:
        path: The destination file; its directory must exist.
        data: The complete new content.

    Raises:
        OSError: the file could not be written; the old content is still in place.
    """
    dest = Path(path).absolute()
    _sweep(dest.parent)
    mode = _mode_for(dest)
    if not _write_anonymous(dest, data, mode):
        _write_named(dest, data, mode)
    _fsync_dir(dest.parent)


def atomic_write_text(path: StrPath, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given).

    Args:
        path: The destination file; its directory must exist.
        text: The complete new content.
        encoding: The text encoding.
    """
    atomic_write_bytes(path, text.encode(encoding))


# ---------------------------------------------------------------------------- directories


@functools.cache
def _libc_call(name: str) -> Any:
    """A function of the C library, or ``None`` if it has none by that name."""
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (AttributeError, OSError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; ``False`` where the system or file system cannot."""
    if sys.platform.startswith("linux"):
        call = _libc_call("renameat2")
        at_fdcwd, rename_exchange = -100, 2
        args: tuple[Any, ...] = (at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    elif sys.platform == "darwin":
        call = _libc_call("renamex_np")
        rename_swap = 2
        args = (os.fsencode(a), os.fsencode(b), rename_swap)
    else:
        return False
    return call is not None and call(*args) == 0


def _swap_in(new: Path, dest: Path) -> None:
    """Move the finished directory ``new`` (inside a staging directory) to ``dest``.

    What ``dest`` held is removed, or left at ``new`` for the staging directory's removal.
    """
    _fsync_tree(new)
    if not dest.exists() and not dest.is_symlink():
        os.rename(new, dest)
    elif not _exchange(new, dest):
        with _staging(dest, ".mgold") as aside_dir:
            aside = aside_dir / dest.name
            os.rename(dest, aside)
            try:
                os.rename(new, dest)
            except BaseException:
                os.rename(aside, dest)
                raise
    _fsync_dir(dest.parent)


def atomic_replace_dir(src_dir: StrPath, dest_dir: StrPath) -> None:
    """Move a finished directory into place, replacing whatever ``dest_dir`` holds.

    ``src_dir`` is first moved into a recognisable temporary next to ``dest_dir`` (so a
    crash from then on leaves nothing behind after the next atomic write there), its files
    are flushed to disk, and it is swapped with the old destination, which is then removed.
    Both paths must be on the same file system; create ``src_dir`` next to ``dest_dir``,
    or better write it inside :func:`atomic_path`, which cleans up after a crash as well.

    Args:
        src_dir: The complete new directory.
        dest_dir: Where it should end up.

    Raises:
        NotADirectoryError: ``src_dir`` is not a directory.
        OSError: a rename failed; ``dest_dir`` and ``src_dir`` are unchanged.
    """
    src, dest = Path(src_dir).absolute(), Path(dest_dir).absolute()
    if not src.is_dir():
        raise NotADirectoryError(f"'{src}' is not a directory")
    _sweep(dest.parent)
    with _staging(dest) as staging:
        staged = staging / dest.name
        os.rename(src, staged)
        try:
            _swap_in(staged, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(staged, src)
            raise


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """A temporary path for writers that need a file name, moved to ``path`` on success.

    The temporary path has the same name as ``path`` (so ``.keras``, ``.h5`` or any other
    extension a writer insists on is kept) inside a private, locked staging directory
    next to it. The writer may create a file or a directory there::

        with atomic_path("out.keras") as tmp:
            model.save(tmp)

    Args:
        path: The final destination.

    Yields:
        The path to write to; it does not exist yet.

    Raises:
        FileNotFoundError: the block finished without creating the temporary path.
    """
    dest = Path(path).absolute()
    _sweep(dest.parent)
    with _staging(dest) as staging:
        tmp = staging / dest.name
        yield tmp
        if tmp.is_dir() and not tmp.is_symlink():
            _swap_in(tmp, dest)
        elif tmp.exists():
            _fsync_file(tmp)
            with contextlib.suppress(OSError):
                os.chmod(tmp, _mode_for(dest))
            os.replace(tmp, dest)
            _fsync_dir(dest.parent)
        else:
            raise FileNotFoundError(f"nothing was written to '{tmp}', so '{dest}' was left as it was")
