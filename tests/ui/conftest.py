"""UI test set-up: the application's clipboard is released before the interpreter exits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session", autouse=True)
def _release_clipboard_at_exit() -> Iterator[None]:
    """pytest-qt never quits the QApplication, so the app's own aboutToQuit hook does not
    run; release the clipboard here instead (PySide6 6.11 crashes at exit otherwise)."""
    yield
    from modelgraft.ui.app import release_clipboard
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        release_clipboard()


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """The workbench window, shown, with its settings and recovery files in ``tmp_path``
    (``window.settings`` is that QSettings); closed without questions afterwards."""
    from modelgraft.ui.bridge import EngineBridge
    from modelgraft.ui.document import Document
    from modelgraft.ui.main_window import MainWindow
    from PySide6.QtCore import QSettings

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    doc = Document(EngineBridge())
    win = MainWindow(doc, doc.bridge, settings=settings, recovery_dir=tmp_path / "recovery")
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.doc.undo_stack.setClean()
    win.close()
    win.deleteLater()
