"""The installed Qt binding is one the workbench can run on for hours."""

from __future__ import annotations

import sys

import PySide6
from PySide6.QtCore import QRectF


def test_void_qt_calls_do_not_leak_references_to_none() -> None:
    """PySide6-Essentials 6.12.0 drops a reference to None on every call returning nothing,
    and Python 3.11 aborts ("deallocating None") after a few thousand; pyproject.toml
    excludes it. This guards the pin."""
    rect = QRectF(0, 0, 1, 1)
    before = sys.getrefcount(None)
    for _ in range(1000):
        rect.setWidth(2.0)
    leaked = before - sys.getrefcount(None)
    assert leaked < 10, f"PySide6 {PySide6.__version__} leaks a reference to None per call"
