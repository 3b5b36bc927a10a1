"""Model files without TensorFlow: what a path holds, its stored Keras config, and its hash.

Formats are decided by content (magic bytes), not by extension: a legacy HDF5 file named
``.keras`` is reported as ``"h5"``, a Keras zip archive named ``.bin`` as ``"keras"``.
Callers that load the file (the engine) must use the detected format, because Keras's own
``load_model`` goes by the extension.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Literal

from ..core.errors import ModelFileError
from .archive_scan import check_archive, check_folder
from .h5_scan import check_h5

__all__ = [
    "MAX_CONFIG_BYTES",
    "ModelFormat",
    "detect_format",
    "read_model_config",
    "sha256_file",
]

ModelFormat = Literal["keras", "h5", "savedmodel"]

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""Largest ``config.json`` read from an archive (a guard against zip bombs)."""

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_HDF5_OFFSETS = (0, 512, 1024, 2048, 4096, 8192)
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_LFS_MAGIC = b"version https://git-lfs.github.com/spec/"
_KNOWN_EXTENSIONS = (".keras", ".h5", ".hdf5")
_SAVEDMODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
_CHUNK = 1 << 20


def _label(path: Path) -> str:
    return f"'{path.name or path}'"


def detect_format(path: str | os.PathLike[str]) -> ModelFormat:
    """Tell what kind of model a path holds, from its content.

    Only the container is checked (magic bytes, the zip directory, the SavedModel
    marker file); :func:`read_model_config` checks that a model config is inside.

    Args:
        path: A ``.keras`` archive, a legacy HDF5 file, or a SavedModel directory. A
            directory holding an unzipped Keras archive (``config.json``) is ``"keras"``.

    Returns:
        ``"keras"``, ``"h5"`` or ``"savedmodel"``.

    Raises:
        ModelFileError: the path is missing, empty, or not a model; the message names
            the file and says what it really is where that can be told.
    """
    p = Path(path)
    label = _label(p)
    if p.is_dir():
        if any((p / name).is_file() for name in _SAVEDMODEL_FILES):
            return "savedmodel"
        if (p / "config.json").is_file():
            check_folder(p)
            return "keras"
        raise ModelFileError(f"directory {label} is not a SavedModel (it has no saved_model.pb)")
    try:
        size = p.stat().st_size
        with open(p, "rb") as f:
            head = f.read(1024)
            if _has_hdf5_magic(f, head, size):
                return "h5"
    except FileNotFoundError:
        raise ModelFileError(f"model file {label} does not exist") from None
    except OSError as err:
        raise ModelFileError(f"model file {label} cannot be read ({err.strerror or err})") from None
    if size == 0:
        raise ModelFileError(f"model file {label} is empty (0 bytes); save or download it again")
    if head.startswith(_ZIP_MAGICS):
        _check_keras_zip(p, label)
        return "keras"
    raise ModelFileError(_not_a_model(p, label, head))


def _has_hdf5_magic(f: Any, head: bytes, size: int) -> bool:
    """HDF5 files start with the signature at offset 0 or after a user block of 512·2^k bytes."""
    for offset in _HDF5_OFFSETS:
        if offset + len(_HDF5_MAGIC) > size:
            break
        if offset + len(_HDF5_MAGIC) <= len(head):
            chunk = head[offset:offset + len(_HDF5_MAGIC)]
        else:
            f.seek(offset)
            chunk = f.read(len(_HDF5_MAGIC))
        if chunk == _HDF5_MAGIC:
            return True
    return False


def _check_keras_zip(p: Path, label: str) -> None:
    check_archive(p)
    try:
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise ModelFileError(
            f"model file {label} is a damaged or truncated zip archive; save or download it again"
        ) from None
    if not names:
        raise ModelFileError(f"model file {label} is an empty zip archive, not a Keras model")
    if "config.json" not in names:
        raise ModelFileError(
            f"model file {label} is a zip archive but not a Keras model (it has no config.json)"
        )


def _not_a_model(p: Path, label: str, head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_LFS_MAGIC):
        return f"model file {label} is a Git LFS pointer, not the model: run `git lfs pull`"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return (f"model file {label} is an HTML page, not a model; it was probably saved from a "
                "download page instead of the file itself")
    if p.name in _SAVEDMODEL_FILES:
        return (f"{label} is part of a SavedModel; choose its directory "
                f"'{p.parent.name or p.parent}' instead")
    if p.suffix.lower() not in _KNOWN_EXTENSIONS:
        return (f"{label} is not a model file ModelGraft can read: expected a .keras or .h5 "
                "file or a SavedModel directory")
    return (f"model file {label} is neither a Keras archive nor an HDF5 file; "
            "it may be damaged or of another kind")


def read_model_config(path: str | os.PathLike[str], fmt: ModelFormat | None = None) -> dict[str, Any]:
    """Read the Keras model config stored in a ``.keras`` archive or a legacy ``.h5`` file.

    For an archive only the ``config.json`` member is read, never the weights.

    Args:
        path: The model file.
        fmt: Its format if already known (from :func:`detect_format`).

    Returns:
        The serialized model: a dict with ``class_name`` and ``config``.

    Raises:
        ModelFileError: the file holds no readable model config, or is a SavedModel
            (whose structure only TensorFlow can read).
    """
    p = Path(path)
    label = _label(p)
    fmt = fmt or detect_format(p)
    if fmt == "savedmodel":
        raise ModelFileError(f"SavedModel {label} has no Keras config; the engine reads its signature")
    if fmt == "h5":
        raw = _h5_model_config(p, label)
    elif p.is_dir():
        raw = _dir_model_config(p, label)
    else:
        raw = _zip_model_config(p, label)
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError):
        raise ModelFileError(f"the model config in {label} is not valid JSON; the file is damaged") from None
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) \
            or not isinstance(config.get("config"), (dict, list)):
        raise ModelFileError(f"the model config in {label} does not describe a Keras model")
    return config


def _zip_model_config(p: Path, label: str) -> bytes:
    check_archive(p)  # again: a caller may pass the format and skip detect_format
    try:
        with zipfile.ZipFile(p) as zf:
            info = zf.getinfo("config.json")
            if info.file_size > MAX_CONFIG_BYTES:
                raise ModelFileError(
                    f"model file {label} has a config.json of {info.file_size} bytes, "
                    f"more than the {MAX_CONFIG_BYTES} ModelGraft reads"
                )
            with zf.open(info) as member:
                data = member.read(MAX_CONFIG_BYTES + 1)
    except KeyError:
        raise ModelFileError(
            f"model file {label} is a zip archive but not a Keras model (it has no config.json)"
        ) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, RuntimeError, OSError):
        raise ModelFileError(
            f"model file {label} is damaged: its config.json cannot be extracted"
        ) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ModelFileError(f"model file {label} has a config.json larger than ModelGraft reads")
    return data


def _dir_model_config(p: Path, label: str) -> bytes:
    check_folder(p)
    try:
        return (p / "config.json").read_bytes()
    except OSError as err:
        raise ModelFileError(f"config.json of {label} cannot be read ({err.strerror or err})") from None


def _h5_model_config(p: Path, label: str) -> bytes:
    import h5py  # imported here: it costs ~60 ms, and .keras archives never need it

    check_h5(p)
    try:
        with h5py.File(p, "r") as f:
            if "model_config" not in f.attrs:
                raise ModelFileError(
                    f"HDF5 file {label} holds no model config (it may hold weights only); "
                    "save the whole model with model.save"
                )
            raw = f.attrs["model_config"]
    except ModelFileError:
        raise
    except Exception:  # noqa: BLE001 - h5py raises OSError, KeyError, RuntimeError… for damaged files
        raise ModelFileError(f"HDF5 file {label} is damaged or truncated; save or download it again") from None
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogatepass")
    if isinstance(raw, bytes):
        return raw
    raise ModelFileError(f"HDF5 file {label} has a model config that is not text")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, or a stable hash of a directory.

    A directory's hash covers the relative path (with ``/`` separators) and content of
    every file below it, in sorted order, so it does not depend on the platform, on
    timestamps or on the order the file system lists entries.

    Args:
        path: A file or a directory.

    Returns:
        The hex digest.

    Raises:
        ModelFileError: the path does not exist or cannot be read.
    """
    p = Path(path)
    try:
        if not p.is_dir():
            return _hash_file(p).hexdigest()
        outer = hashlib.sha256()
        files = sorted(
            (Path(root, name).relative_to(p).as_posix(), Path(root, name))
            for root, _dirs, names in os.walk(p) for name in names
        )
        for rel, file in files:
            encoded = rel.encode("utf-8", "surrogateescape")
            outer.update(len(encoded).to_bytes(8, "big") + encoded)
            outer.update(_hash_file(file).digest())
        return outer.hexdigest()
    except FileNotFoundError:
        raise ModelFileError(f"model file {_label(p)} does not exist") from None
    except OSError as err:
        raise ModelFileError(f"model file {_label(p)} cannot be read ({err.strerror or err})") from None


def _hash_file(path: Path) -> Any:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h
