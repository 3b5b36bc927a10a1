"""The bad-input corpus runs the workbench window too: release the clipboard before exit, as
``tests/ui/conftest.py`` does (PySide6 6.11 crashes at exit otherwise)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _release_clipboard_at_exit() -> Iterator[None]:
    yield
    from modelgraft.ui.app import release_clipboard
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        release_clipboard()
