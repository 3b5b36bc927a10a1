"""Training from the workbench window, as a user does it: F5, watch the curves and the status bar,
Shift+F5, Ctrl+F5, a NaN run, overlays and restored weights. Real S10/S11 models and NPZ data."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from modelgraft import data_api
from modelgraft.engine import runtime
from modelgraft.engine.training.loop import available_devices
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow
from modelgraft.ui.training.controller import STATUS_INTERVAL_S, RunOutcome, format_duration
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)  # type: ignore[union-attr]
ROWS = 512


def s10_project(folder: Path, rows: int = ROWS, bad: bool = False, epochs: int = 3) -> Path:
    """The S10 example with NPZ bindings and a validation split, saved in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    p = examples.build_project("s10_two_datasets", folder,
                               runtime.run(examples.build_sources, "s10_two_datasets", folder))
    examples.bind_s10_data(p, folder, rows, corrupt=bad)
    p.training = {"seed": 1, "batch_size": 16, "epochs": epochs, "learning_rate": 0.01}
    return p.save(folder / "project.mgraft")


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    doc = Document(EngineBridge())
    win = MainWindow(doc, doc.bridge, settings=settings, recovery_dir=tmp_path / "recovery")
    win.resize(1280, 860)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.training.controller.stop()
    qtbot.waitUntil(lambda: not win.training.controller.running, timeout=60_000)
    win.doc.undo_stack.setClean()
    win.close()
    win.deleteLater()


def open_project(window: MainWindow, qtbot: Any, path: Path) -> None:
    assert window.load(path)
    qtbot.waitUntil(lambda: not window.doc.loading and not window.bridge.busy, timeout=60_000)


def press(window: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    QTest.keyClick(window, key, modifier)


def test_f5_trains_with_live_curves_status_and_a_saved_run(window: MainWindow, qtbot: Any,
                                                           tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p"))
    panel, controller = window.training.panel, window.training.controller
    statuses: list[str] = []
    controller.status.connect(lambda _f, text: statuses.append(text))
    with qtbot.waitSignal(controller.run_finished, timeout=120_000) as finished:
        press(window, Qt.Key.Key_F5)
        assert controller.state == "running"
        assert not window.menu_actions.train.isEnabled() and window.menu_actions.stop.isEnabled()
        qtbot.waitUntil(lambda: window.training.training_dock.isVisible())
    outcome: RunOutcome = finished.args[0]
    assert outcome.error is None and not outcome.stopped and outcome.epochs_done == 3
    panel.flush()
    store = panel.store
    epochs_x, loss = store.epoch_curve("loss")
    assert list(epochs_x) == [1, 2, 3]
    assert np.allclose(loss, outcome.history["loss"])
    assert np.allclose(store.epoch_curve("val_loss")[1], outcome.history["val_loss"])
    assert {"loss", "accuracy"} <= set(panel.plots)
    assert any(text.startswith("Epoch 3/3") for text in statuses)
    assert window.menu_actions.train.isEnabled() and not window.menu_actions.stop.isEnabled()
    assert "Training finished" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.training.runs.table.rowCount() == 1)
    runs = window.doc.project.runs()
    assert len(runs) == 1 and runs[0].status == "finished" and runs[0].epochs == 3


def test_window_stays_responsive_and_stop_keeps_weights_then_resume_numbers_on(
        window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p", rows=2048, epochs=40))
    controller, panel = window.training.controller, window.training.panel
    epochs: list[int] = []
    controller.event.connect(lambda e: e["kind"] == "epoch" and epochs.append(e["epoch"]))
    batches: list[float] = []
    controller.event.connect(lambda e: e["kind"] == "batch" and batches.append(time.monotonic()))
    batch_statuses: list[float] = []
    controller.status.connect(lambda _f, text: "· batch " in text and batch_statuses.append(time.monotonic()))
    beats: list[int] = []
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: beats.append(1))
    heartbeat.start(10)
    press(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(epochs) >= 2 and len(batches) >= 8, timeout=120_000)
    assert beats  # the GUI thread ran timers while the engine trained
    # the status bar follows batches at most every STATUS_INTERVAL_S (each update repaints it)
    gaps = np.diff(batch_statuses)
    assert len(batch_statuses) < len(batches) and (gaps >= STATUS_INTERVAL_S - 0.01).all(), gaps
    with qtbot.waitSignal(controller.run_finished, timeout=60_000) as finished:
        press(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
        assert controller.state == "stopping"
    heartbeat.stop()
    stopped: RunOutcome = finished.args[0]
    assert stopped.stopped and 2 <= stopped.epochs_done < 40
    assert window.menu_actions.resume.isEnabled()
    assert "Resume continues" in window.statusBar().currentMessage()
    first_epochs = len(panel.store.epoch_curve("loss")[0])
    epochs.clear()
    with qtbot.waitSignal(controller.run_started, timeout=10_000):
        press(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=60_000)
    assert epochs[0] == stopped.epochs_done + 1  # numbered on from the stopped run
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
    xs = panel.store.epoch_curve("loss")[0]
    assert len(xs) > first_epochs and list(xs[:first_epochs]) == list(range(1, first_epochs + 1))
    runs = window.doc.project.runs()
    assert [r.status for r in runs] == ["stopped", "stopped"]
    assert runs[1].changes[0].startswith(f"resumed at epoch {stopped.epochs_done + 1} of 40")


def test_nan_run_reports_epoch_and_batch_and_the_app_goes_on(window: MainWindow, qtbot: Any,
                                                             tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p", bad=True))
    before = window.doc.project.save(tmp_path / "p" / "copy.mgraft").read_text()
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=120_000) as finished:
        window.menu_actions.train.trigger()
    outcome: RunOutcome = finished.args[0]
    assert outcome.error and "epoch 1, batch" in outcome.error and "restored" in outcome.error
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "epoch 1, batch" in boxes[-1].text()
    boxes[-1].close()
    assert window.doc.project.save(tmp_path / "p" / "copy.mgraft").read_text() == before
    assert window.menu_actions.train.isEnabled() and window.doc.project.runs()[-1].status == "failed"


def test_overlay_and_restore_a_saved_run(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p", epochs=2))
    for _ in range(2):
        with qtbot.waitSignal(window.training.controller.run_finished, timeout=120_000):
            window.menu_actions.train.trigger()
    runs_panel, panel = window.training.runs, window.training.panel
    qtbot.waitUntil(lambda: runs_panel.table.rowCount() == 2)
    first = window.doc.project.runs()[0].id
    with qtbot.waitSignal(runs_panel.overlay_changed, timeout=5_000):
        _check_run(runs_panel, first)
    panel.flush()
    legend = [label.text for plot in panel.plots.values() for _, label in plot.legend.items]
    assert any(first in text for text in legend)
    session = window.doc.project.session
    model = runtime.run(session.build, window.doc.snapshot(), window.doc.project.name)
    trained = [np.array(w) for w in runtime.run(model.get_weights)]
    _select_run(runs_panel, first)
    with qtbot.waitSignal(window.training.controller.runs_changed, timeout=60_000):
        runs_panel.restore_button.click()
    assert f"Restored the best weights of run {first}" in window.statusBar().currentMessage()
    model = runtime.run(session.build, window.doc.snapshot(), window.doc.project.name)
    restored = [np.array(w) for w in runtime.run(model.get_weights)]
    assert any(not np.array_equal(a, b) for a, b in zip(trained, restored))


def test_normalize_statistics_fitted_in_the_gui_are_one_undo_step(window: MainWindow, qtbot: Any,
                                                                  tmp_path: Path) -> None:
    folder = tmp_path / "s11"
    folder.mkdir()
    p = examples.build_project("s11_standardize", folder,
                               runtime.run(examples.build_sources, "s11_standardize", folder))
    rng = np.random.default_rng(0)
    np.savez(folder / "d.npz", x=rng.normal(5.0, 2.0, size=(256, 16)).astype("float32"),
             y=rng.normal(size=(256, 1)).astype("float32"))
    data_api.bind_data(p, "x", folder / "d.npz", key="x")
    data_api.bind_data(p, "y", folder / "d.npz", key="y")
    p.training = {"epochs": 1}
    open_project(window, qtbot, p.save(folder / "project.mgraft"))
    assert window.doc.graph.node("standardize").params["mean"] is None
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=120_000):
        window.menu_actions.train.trigger()
    mean = window.doc.graph.node("standardize").params["mean"]
    assert mean is not None and abs(float(np.mean(mean)) - 5.0) < 0.5
    assert window.doc.dirty and "Fit statistics" in window.doc.undo_stack.undoText()
    window.doc.undo_stack.undo()
    assert window.doc.graph.node("standardize").params["mean"] is None


def test_closing_while_training_asks_and_stops(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p", rows=2048, epochs=40))
    controller = window.training.controller
    with qtbot.waitSignal(controller.event, timeout=120_000):
        window.menu_actions.train.trigger()
    _answer("StopTraining", "Cancel")
    assert not window.close() and controller.state == "running"
    _answer("StopTraining", "Stop Training")
    with qtbot.waitSignal(controller.run_finished, timeout=60_000):
        window.new_project()
    assert window.doc.path is None


def test_format_duration() -> None:
    assert [format_duration(s) for s in (0, 9.6, 75, 3725)] == ["0:00", "0:10", "1:15", "1:02:05"]


# ---------------------------------------------------------------------- helpers


def _answer(name: str, button: str) -> None:
    """Click ``button`` of the next message box called ``name`` (opened modally by exec())."""

    def reply() -> None:
        for box in QApplication.topLevelWidgets():
            if isinstance(box, QMessageBox) and box.objectName() == name and box.isVisible():
                for b in box.buttons():
                    if b.text().replace("&", "") == button:
                        b.click()
                        return
        QTimer.singleShot(20, reply)

    QTimer.singleShot(20, reply)


def _row_of(runs_panel: Any, run_id: str) -> int:
    table = runs_panel.table
    for row in range(table.rowCount()):
        for col in range(table.columnCount()):
            item = table.item(row, col)
            if item is not None and item.text() == run_id:
                return row
    raise AssertionError(f"run {run_id} not listed")


def _check_run(runs_panel: Any, run_id: str) -> None:
    table = runs_panel.table
    row = _row_of(runs_panel, run_id)
    rect = table.visualRect(table.model().index(row, 0))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if run_id not in runs_panel.checked():  # the click landed beside the box: use the keyboard
        table.setCurrentCell(row, 0)
        QTest.keyClick(table, Qt.Key.Key_Space)


def _select_run(runs_panel: Any, run_id: str) -> None:
    table = runs_panel.table
    row = _row_of(runs_panel, run_id)
    rect = table.visualRect(table.model().index(row, 1))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_training_settings_action_shows_the_project_page_with_this_machines_devices(
        window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    open_project(window, qtbot, s10_project(tmp_path / "p"))
    window.view.graph_scene.items()[0].setSelected(True)
    window.menu_actions.training_settings.trigger()
    page = window.inspector.project_settings
    assert window.doc.selection == [] and page is not None and page.isVisible()
    combo = page.editor("device").control
    qtbot.waitUntil(lambda: not window.bridge.busy, timeout=60_000)
    assert [combo.itemText(i) for i in range(combo.count())] == runtime.run(available_devices)


def test_renaming_or_deleting_a_bound_node_carries_its_binding_undoably(window: MainWindow, qtbot: Any,
                                                                       tmp_path: Path) -> None:
    from modelgraft.ui.commands import RemoveNodesCommand, RenameCommand

    open_project(window, qtbot, s10_project(tmp_path / "p"))
    doc = window.doc

    def bound() -> set[str]:
        return set(doc.project.data["bindings"])

    doc.push(RenameCommand(doc, "side", "extra"))
    assert bound() == {"raw", "extra", "label"}
    doc.push(RemoveNodesCommand(doc, ["extra"]))
    assert bound() == {"raw", "label"}
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert bound() == {"raw", "side", "label"}
    assert doc.project.data["bindings"]["side"]["key"] == "side"
