"""The container scan of Keras archives: damage no trust can make safe, refused before reading.

A ``.keras`` file is a zip archive that Keras writes with three members (``metadata.json``,
``config.json``, ``model.weights.h5`` or ``.npz``) plus one ``assets/…/vocabulary.txt`` per
lookup layer with an adapted vocabulary, all *stored* (uncompressed). Keras reads the
config and weights from the archive and, when there are assets, extracts every member to a
temporary folder. So a forged archive can escape that folder (``../`` names, absolute
names, links), take the loader to a member other than the one that was checked (duplicate
names), or exhaust memory and disk (zip bombs: huge declared sizes, overlapping members,
millions of entries). :func:`check_archive` refuses all of these from the zip directory
alone, without decompressing anything: Python's ``zipfile`` never returns more bytes than a
member's declared size (it truncates and then fails the CRC), so bounding the declared
sizes bounds what Keras can allocate.

The entry count and directory size are read from the end-of-central-directory record
before ``zipfile`` parses the directory, so an archive with a million entries is refused
after reading a few bytes.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

from ..core.errors import ModelFileError

__all__ = [
    "MAX_DIRECTORY_BYTES",
    "MAX_FOLDER_ENTRIES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "SMALL_MEMBER_BYTES",
    "check_archive",
    "check_folder",
]

MAX_MEMBERS = 256
"""Most members a Keras archive may have: Keras writes 3, plus one per adapted lookup layer."""

MAX_FOLDER_ENTRIES = 4 * MAX_MEMBERS
"""Most files and folders an unzipped archive may hold (each asset file sits a few folders deep)."""

MAX_DIRECTORY_BYTES = MAX_MEMBERS * 1024
"""Largest zip directory read: 1 KiB per member (Keras's entries are under 200 bytes)."""

SMALL_MEMBER_BYTES = 64 * 1024 * 1024
"""Members up to this size may have any compression ratio (DEFLATE tops out near 1032:1)."""

MAX_RATIO = 100
"""Largest uncompressed-to-stored ratio of a bigger member, and of the whole archive."""

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIG = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIG = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_LOCAL_HEADER_BYTES = 30
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
_DRIVE = re.compile(r"^[A-Za-z]:")


def check_archive(path: Path) -> None:
    """Refuse a zip archive whose structure is unsafe to hand to Keras.

    Args:
        path: The ``.keras`` file (already known to start like a zip archive).

    Raises:
        ModelFileError: the archive is damaged, or has path-traversal or absolute member
            names, symbolic links, duplicate names, more than :data:`MAX_MEMBERS` members,
            encrypted members or ones compressed other than stored/deflated, members or a
            total whose declared size is out of bounds (a zip bomb), or members sharing
            bytes. The message names the file and the member.
    """
    label = f"'{path.name or path}'"
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            _check_directory(f, size, label)
            with zipfile.ZipFile(f) as zf:
                infos = zf.infolist()
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise ModelFileError(_damaged(label)) from None
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(_too_many(label, len(infos)))
    _check_members(infos, size, label)


def check_folder(path: Path) -> None:
    """Refuse an unzipped Keras archive (a folder) holding links that lead out of it.

    Args:
        path: The folder holding ``config.json``.

    Raises:
        ModelFileError: a symbolic link inside points outside the folder, or the folder
            holds more than :data:`MAX_FOLDER_ENTRIES` files and folders.
    """
    root = path.resolve()
    label = f"'{path.name or path}'"
    count = 0
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            count += 1
            if count > MAX_FOLDER_ENTRIES:
                raise ModelFileError(f"model folder {label} holds more than {MAX_FOLDER_ENTRIES} files "
                                     "and folders, far more than a Keras model; the folder is refused")
            entry = Path(folder, name)
            if entry.is_symlink() and not _inside(entry, root):
                rel = entry.relative_to(path).as_posix()
                raise ModelFileError(f"model folder {label} holds '{rel}', a symbolic link to "
                                     f"'{os.readlink(entry)}' outside the folder; the folder is refused")


def _inside(link: Path, root: Path) -> bool:
    try:
        return link.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _check_directory(f: BinaryIO, size: int, label: str) -> None:
    """Bound the entry count and directory size from the end records, as ``zipfile`` reads them."""
    tail_size = min(size, _EOCD.size + _MAX_COMMENT)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    if tail[-_EOCD.size:-_EOCD.size + 4] == _EOCD_SIG and tail[-2:] == b"\0\0":
        start = len(tail) - _EOCD.size
    else:
        start = tail.rfind(_EOCD_SIG)
    if start < 0 or start + _EOCD.size > len(tail):
        raise ModelFileError(_damaged(label))
    fields = _EOCD.unpack_from(tail, start)
    entries, directory = fields[4], fields[5]
    eocd_at = size - tail_size + start
    if eocd_at >= _ZIP64_LOCATOR.size + _ZIP64_EOCD.size:
        f.seek(eocd_at - _ZIP64_LOCATOR.size)
        if _ZIP64_LOCATOR.unpack(f.read(_ZIP64_LOCATOR.size))[0] == _ZIP64_LOCATOR_SIG:
            f.seek(eocd_at - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size)
            record = _ZIP64_EOCD.unpack(f.read(_ZIP64_EOCD.size))
            if record[0] == _ZIP64_EOCD_SIG:
                entries, directory = record[7], record[8]
    if entries > MAX_MEMBERS:
        raise ModelFileError(_too_many(label, entries))
    if directory > MAX_DIRECTORY_BYTES:
        raise ModelFileError(f"model file {label} has a zip directory of {directory} bytes, more than "
                             f"the {MAX_DIRECTORY_BYTES} a Keras archive needs; the file is refused")


def _check_members(infos: list[zipfile.ZipInfo], size: int, label: str) -> None:
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        _check_name(name, label)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ModelFileError(f"model file {label} has a member '{name}' that is a symbolic link; "
                                 "Keras archives hold none and the file is refused")
        if name in seen:
            raise ModelFileError(f"model file {label} has the member '{name}' twice; "
                                 "the file is refused")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ModelFileError(f"model file {label} has an encrypted member '{name}'; "
                                 "Keras archives are never encrypted")
        if info.compress_type not in _METHODS:
            raise ModelFileError(f"model file {label} has a member '{name}' compressed with method "
                                 f"{info.compress_type}; Keras archives are stored or deflated, and "
                                 "the file is refused")
        _check_size(info, size, label)
        total += info.file_size
    if total > SMALL_MEMBER_BYTES + MAX_RATIO * size:
        raise ModelFileError(f"model file {label} declares {total} bytes of members in "
                             f"{size} bytes, a zip bomb; the file is refused")
    _check_overlap(infos, label)


def _check_name(name: str, label: str) -> None:
    if "\\" in name:
        what = "a backslash in its name"
    elif name.startswith("/"):
        what = "an absolute path"
    elif _DRIVE.match(name):
        what = "a drive letter in its name"
    elif ".." in name.split("/"):
        what = "'..' in its path"
    else:
        return
    raise ModelFileError(f"model file {label} has a member '{name}' with {what}, which would "
                         "reach outside the archive; the file is refused")


def _check_size(info: zipfile.ZipInfo, size: int, label: str) -> None:
    name, stored, declared = info.filename, info.compress_size, info.file_size
    if info.header_offset + _LOCAL_HEADER_BYTES + stored > size:
        raise ModelFileError(_damaged(label, f" (member '{name}' ends past the end of the file)"))
    if info.compress_type == zipfile.ZIP_STORED and declared != stored:
        raise ModelFileError(f"model file {label} has a stored member '{name}' that declares "
                             f"{declared} bytes but holds {stored}; the file is refused")
    if declared > SMALL_MEMBER_BYTES and declared > MAX_RATIO * stored:
        raise ModelFileError(f"model file {label} has a member '{name}' that would expand from "
                             f"{stored} to {declared} bytes, a zip bomb; the file is refused")


def _check_overlap(infos: list[zipfile.ZipInfo], label: str) -> None:
    """Refuse members whose bytes overlap: the trick of zip bombs without nesting."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    for first, second in itertools.pairwise(ordered):
        if first.header_offset + _LOCAL_HEADER_BYTES + first.compress_size > second.header_offset:
            raise ModelFileError(f"model file {label} has members '{first.filename}' and "
                                 f"'{second.filename}' that share bytes, a zip bomb; "
                                 "the file is refused")


def _too_many(label: str, count: int) -> str:
    return (f"model file {label} has {count} members, more than the {MAX_MEMBERS} a Keras "
            "archive can have; the file is refused")


def _damaged(label: str, detail: str = "") -> str:
    return f"model file {label} is a damaged or truncated zip archive{detail}; save or download it again"
