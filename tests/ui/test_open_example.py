"""File ▸ Open Example opens the user's own copy, so runs and saves never touch the bundled one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings

from modelgraft.examples import example
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow


def test_open_example_opens_a_copy_in_the_app_data_folder(qtbot: Any, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    doc = Document(EngineBridge())
    win = MainWindow(doc, doc.bridge, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    source = example("s10")
    bundled = source.read_bytes()
    assert win.open_example(source)
    opened = doc.path
    assert opened is not None and opened.name == source.name
    assert opened.parent.name == source.parent.name and opened.parent.parent.name == "examples"
    assert tmp_path / "data" in opened.parents
    assert {n.name for n in doc.graph} == {n["name"] for n in json.loads(source.read_text())["nodes"]}
    doc.save()  # saving writes the copy only
    assert source.read_bytes() == bundled and not (source.parent / "runs").exists()
    assert win.open_example(source) and doc.path == opened  # the copy is reused, with the user's changes
