"""UI test set-up: the application's clipboard is released before the interpreter exits."""

from __future__ import annotations

from typing import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _release_clipboard_at_exit() -> Iterator[None]:
    """pytest-qt never quits the QApplication, so the app's own aboutToQuit hook does not
    run; release the clipboard here instead (PySide6 6.11 crashes at exit otherwise)."""
    yield
    from PySide6.QtWidgets import QApplication

    from modelgraft.ui.app import release_clipboard

    if QApplication.instance() is not None:
        release_clipboard()
