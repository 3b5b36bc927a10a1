"""The pre-load scan: everything ModelGraft checks in a model file before Keras or TensorFlow sees it.

Two kinds of result:

- damage no trust can make safe (a zip bomb, a member leaving the archive, an HDF5 link
  to another file) raises :class:`~modelgraft.core.errors.ModelFileError` at once;
- code that would run or files that would be touched when the model is loaded (a Lambda
  layer, a class from outside Keras, a ``ReadFile`` op in a SavedModel) are
  :class:`~modelgraft.io.findings.Finding` s, which the user may accept by trusting the
  file (``trusted=True`` in the API, ``--trusted`` in the CLI, a confirmation in the GUI).

Nothing here imports TensorFlow or runs code from the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import UnsafeModelError
from .config_scan import scan_config
from .findings import Finding
from .h5_scan import check_h5_isolated
from .model_files import detect_format, read_model_config
from .savedmodel_scan import scan_savedmodel

__all__ = ["check_safe", "prescan", "unsafe_message"]

_H5_REMEMBERED = 256
_h5_passed: set[tuple[str, int, int]] = set()


def prescan(path: str | os.PathLike[str]) -> list[Finding]:
    """Scan a ``.keras`` archive, legacy ``.h5`` file or SavedModel directory.

    Args:
        path: The model file or directory.

    Returns:
        What would run code or reach outside the file when loaded, most telling first;
        empty when the file is safe to load.

    Raises:
        ModelFileError: the path is not a readable model, or is damaged or crafted in a
            way no trust can make safe; the message names the file and the place.
    """
    p = Path(path)
    fmt = detect_format(p)  # refuses damaged or crafted archives and folders
    if fmt == "savedmodel":
        return scan_savedmodel(p)
    if fmt == "h5":
        _check_h5_once(p)
    return scan_config(read_model_config(p, fmt), p.name or str(p))


def _check_h5_once(path: Path) -> None:
    """HDF5 itself can loop or allocate without bound on a damaged file, so an ``.h5`` file
    is first read in a bounded child process (about 0.3 s); a file that passed is not read
    there again while its size and modification time stay the same."""
    stat = path.stat()
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key in _h5_passed:
        return
    check_h5_isolated(path)
    if len(_h5_passed) >= _H5_REMEMBERED:
        _h5_passed.clear()
    _h5_passed.add(key)


def unsafe_message(findings: list[Finding]) -> str:
    """The one sentence refusing a file with ``findings`` (which must not be empty)."""
    more = len(findings) - 1
    others = f" (and {more} more finding{'s' if more > 1 else ''})" if more else ""
    return f"{findings[0].message}{others}; load it only if you trust the file (trusted=True)"


def check_safe(path: str | os.PathLike[str], trusted: bool = False) -> list[Finding]:
    """Refuse a model file that would run code when loaded, unless it is trusted.

    Args:
        path: The model file or SavedModel directory.
        trusted: Accept the findings (the user trusts this file).

    Returns:
        The findings (empty for a safe file); only non-empty when ``trusted``.

    Raises:
        UnsafeModelError: the file has findings and is not trusted; ``err.findings``
            lists them all.
        ModelFileError: the file is unreadable, damaged or crafted (see :func:`prescan`).
    """
    findings = prescan(path)
    if findings and not trusted:
        raise UnsafeModelError(unsafe_message(findings), findings)
    return findings
