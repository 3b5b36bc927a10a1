"""The workbench asks before loading a model file with code, shows what was found, and
remembers the answer for exactly that file content."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from modelgraft.ui.main_window import MainWindow
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


class TrustBoxes:
    """Answers every trust question with ``button`` and keeps the text each one showed."""

    def __init__(self, button: str) -> None:
        self.button = button
        self.texts: list[str] = []
        self.timer = QTimer(QApplication.instance())
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "TrustModel" and box.isVisible():
            self.texts.append(f"{box.text()}\n{box.informativeText()}\n{box.detailedText()}")
            for button in box.buttons():
                if button.text().replace("&", "") == self.button:
                    button.click()

    def stop(self) -> None:
        self.timer.stop()
        self.timer.deleteLater()


def _copy(models: dict[str, Any], tmp_path: Path) -> Path:
    target = tmp_path / "lam.keras"
    shutil.copy(models["lam_keras"], target)
    return target


def test_declining_adds_nothing_and_changes_nothing(qtbot: Any, window: MainWindow, models: dict[str, Any],
                                                   tmp_path: Path) -> None:
    path = _copy(models, tmp_path)
    boxes = TrustBoxes("Cancel")
    try:
        assert window.import_model(path) is None
    finally:
        boxes.stop()
    assert len(boxes.texts) == 1
    text = boxes.texts[0]
    assert "'lam.keras' would run code" in text
    assert "contains a Lambda layer at 'lambda_1'" in text
    assert "SHA-256" in text
    assert window.doc.graph.nodes == [] and not window.doc.dirty
    assert "trusted-models" not in window.settings.childGroups()


def test_trusting_loads_and_is_remembered_per_content(qtbot: Any, window: MainWindow, models: dict[str, Any],
                                                     tmp_path: Path) -> None:
    path = _copy(models, tmp_path)
    boxes = TrustBoxes("Trust and Load")
    try:
        name = window.import_model(path)
        assert name
        node = window.doc.graph.node(name)
        assert node.params["trusted"] is True
        qtbot.waitUntil(lambda: not window.doc.loading, timeout=60000)
        assert name not in window.doc.project.load_errors
        assert node.out_specs[0].shape == (4,) and node.params["signature"]["params"] is not None
        assert len(boxes.texts) == 1
        assert window.import_model(path)  # same content: not asked again
        assert len(boxes.texts) == 1
        changed = tmp_path / "changed.keras"
        shutil.copy(models["lam_keras"], changed)
        with open(changed, "ab") as f:
            f.write(b"\0")  # other bytes, other SHA-256 (zip readers ignore trailing bytes)
        boxes.button = "Cancel"
        assert window.import_model(changed) is None
        assert len(boxes.texts) == 2
    finally:
        boxes.stop()


def test_a_project_that_says_trusted_still_asks_on_this_machine(qtbot: Any, window: MainWindow,
                                                                models: dict[str, Any], tmp_path: Path) -> None:
    import modelgraft as mg

    path = _copy(models, tmp_path)
    project = mg.Project("shared")
    project.add_model(path, name="m", trusted=True, load=False)
    project.save(tmp_path / "shared.mgraft")
    boxes = TrustBoxes("Cancel")
    try:
        window.open_project(tmp_path / "shared.mgraft")
        qtbot.waitUntil(lambda: len(boxes.texts) == 1, timeout=10000)
        node = window.doc.graph.node("m")
        qtbot.waitUntil(lambda: "m" in window.doc.project.load_errors, timeout=60000)
    finally:
        boxes.stop()
    assert node.params["trusted"] is False
    assert "contains a Lambda layer at 'lambda_1'" in window.doc.project.load_errors["m"]


def test_the_event_loop_runs_while_a_file_is_scanned(qtbot: Any, window: MainWindow, models: dict[str, Any],
                                                    tmp_path: Path) -> None:
    target = tmp_path / "fresh.h5"  # a file never scanned: its HDF5 check runs in a child process
    shutil.copy(models["h5"], target)
    ticks: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()
    try:
        name = window.import_model(target)
    finally:
        heartbeat.stop()
    assert name and window.doc.graph.node(name).params["trusted"] is False
    assert len(ticks) >= 5  # the child takes ~0.3 s; a blocked GUI thread would tick at most once
