"""Atomic saves: a file or directory is either the old one or the complete new one, never half.

Every writer puts its output next to the destination first (same directory, so the same
file system), flushes it to disk, then renames it into place and flushes the directory.
On any error the temporary output is removed and the destination is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "atomic_replace_dir", "atomic_write_bytes", "atomic_write_text"]

StrPath = str | os.PathLike[str]


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


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


def _remove(path: Path) -> None:
    """Remove a file or a directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _set_mode(tmp: Path, dest: Path) -> None:
    """Give ``tmp`` the permissions of ``dest`` (or the usual ones for a new file)."""
    try:
        mode = dest.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_UMASK
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)


def atomic_write_bytes(path: StrPath, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    Args:
        path: The destination file; its directory must exist.
        data: The complete new content.

    Raises:
        OSError: the file could not be written; the old content is still in place.
    """
    dest = Path(path).absolute()
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _set_mode(tmp, dest)
        os.replace(tmp, dest)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_dir(dest.parent)


def atomic_write_text(path: StrPath, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, newlines as given).

    Args:
        path: The destination file; its directory must exist.
        text: The complete new content.
        encoding: The text encoding.
    """
    atomic_write_bytes(path, text.encode(encoding))


def atomic_replace_dir(src_dir: StrPath, dest_dir: StrPath) -> None:
    """Move a finished directory into place, replacing whatever ``dest_dir`` holds.

    The old destination is renamed aside, the new one renamed in, then the old one
    removed; if the second rename fails the old one is put back. Both paths must be on
    the same file system (create ``src_dir`` next to ``dest_dir``, e.g. with
    :func:`atomic_path`).

    Args:
        src_dir: The complete new directory.
        dest_dir: Where it should end up.

    Raises:
        OSError: a rename failed; ``dest_dir`` is unchanged.
    """
    src, dest = Path(src_dir).absolute(), Path(dest_dir).absolute()
    if not src.is_dir():
        raise NotADirectoryError(f"'{src}' is not a directory")
    if not dest.exists() and not dest.is_symlink():
        os.replace(src, dest)
        _fsync_dir(dest.parent)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    aside.rmdir()
    os.rename(dest, aside)
    try:
        os.rename(src, dest)
    except BaseException:
        os.rename(aside, dest)
        raise
    _fsync_dir(dest.parent)
    _remove(aside)


@contextlib.contextmanager
def atomic_path(path: StrPath) -> Iterator[Path]:
    """A temporary path for writers that need a file name, moved to ``path`` on success.

    The temporary path has the same name as ``path`` (so ``.keras``, ``.h5`` or any other
    extension a writer insists on is kept) inside a private staging directory next to
    it. The writer may create a file or a directory there::

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
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    tmp = staging / dest.name
    try:
        yield tmp
        if tmp.is_dir():
            atomic_replace_dir(tmp, dest)
        elif tmp.exists():
            _fsync_file(tmp)
            _set_mode(tmp, dest)
            os.replace(tmp, dest)
            _fsync_dir(dest.parent)
        else:
            raise FileNotFoundError(f"nothing was written to '{tmp}', so '{dest}' was left as it was")
    finally:
        _remove(staging)
