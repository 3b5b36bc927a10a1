"""Paths as project files store them: relative to the project's folder, with '/' separators."""

from __future__ import annotations

import os
from pathlib import PurePath

__all__ = ["relative_to", "resolve"]


def relative_to(path: str, base: str) -> str:
    """``path`` relative to the folder ``base``, posix-style (absolute on another drive)."""
    absolute = os.path.abspath(path)
    try:
        return PurePath(os.path.relpath(absolute, base)).as_posix()
    except ValueError:  # another drive on Windows
        return PurePath(absolute).as_posix()


def resolve(path: str, base: str) -> str:
    """A stored path made absolute against the folder ``base``."""
    return os.path.normpath(os.path.join(base, path))
