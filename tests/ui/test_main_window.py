"""The main window as a user drives it: menus and shortcuts, title, files, export, autosave."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QWidget

from modelgraft.io import model_node_params
from modelgraft.ui.autosave import Autosave
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.commands import AddNodeCommand, ConnectCommand, EdgeRef
from modelgraft.ui.dialogs import ExportResultDialog, ShortcutsDialog, shortcut_rows
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow

SK = QKeySequence.StandardKey
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot: Any, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    doc = Document(EngineBridge())
    win = MainWindow(doc, doc.bridge, settings=settings, autosave_interval_s=0.1,
                     recovery_dir=tmp_path / "recovery")
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.autosave.start()
    yield win
    win.doc.undo_stack.setClean()  # nothing left to ask about
    win.close()
    win.deleteLater()


def answer(_qtbot: Any, kind: type[QWidget], reply: Callable[[Any], None]) -> list[QWidget]:
    """Answer the next modal dialog of ``kind`` (opened by exec()) with ``reply(dialog)``."""
    seen: list[QWidget] = []
    timer = QTimer(QApplication.instance())  # parented: lives until it has answered
    timer.setInterval(20)

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible() and not seen:
            seen.append(dialog)
            timer.stop()
            timer.deleteLater()
            reply(dialog)

    timer.timeout.connect(poll)
    timer.start()
    return seen


def press_keys(qtbot: Any, win: MainWindow, key: Qt.Key, modifier: Qt.KeyboardModifier = CTRL) -> None:
    """Press a shortcut in the window, as the active window (offscreen, closing a modal dialog
    does not give the activation back by itself)."""
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    qtbot.keyClick(win, key, modifier)


def choose_file(path: Path) -> Callable[[QFileDialog], None]:
    """Put the path in the dialog's file name box and press Enter (set, not typed: typing
    opens the completer's popup, which would take the Enter)."""
    def reply(dialog: QFileDialog) -> None:
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText(str(path))
        QTest.keyClick(edit, Qt.Key.Key_Return)
    return reply


def press(button: QMessageBox.StandardButton) -> Callable[[QMessageBox], None]:
    return lambda box: box.button(button).click()


def add(doc: Document, kind: str, params: dict[str, Any] | None = None, name: str | None = None,
        position: tuple[float, float] = (0.0, 0.0)) -> None:
    doc.push(AddNodeCommand(doc, kind, params, position=position, name=name))


def warnings_shown(win: MainWindow) -> list[QMessageBox]:
    return [b for b in win.findChildren(QMessageBox) if b.isVisible() and b.icon() == QMessageBox.Icon.Warning]


# ---------------------------------------------------------------------- menus and shortcuts


def test_menus_hold_the_actions_with_standard_shortcuts(window: MainWindow) -> None:
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "View", "Run", "Help"]
    texts = {name: [a.text().replace("&", "") for a in m.actions() if not a.isSeparator()]
             for name, m in menus.items()}
    assert texts["File"] == ["New", "Open…", "Open Recent", "Open Example", "Save", "Save As…",
                             "Import Model…", "Import SavedModel Folder…", "Export", "Quit"]
    assert texts["Edit"][:2] == ["Undo", "Redo"]
    assert texts["Edit"][2:] == ["Cut", "Copy", "Paste", "Duplicate", "Delete", "Select All"]
    assert texts["Run"] == ["Check", "Train", "Resume", "Stop", "Training Settings…"]
    acts = window.menu_actions
    for action, key in ((acts.new, SK.New), (acts.open, SK.Open), (acts.save, SK.Save),
                        (acts.undo, SK.Undo), (acts.redo, SK.Redo), (acts.copy, SK.Copy),
                        (acts.paste, SK.Paste), (acts.cut, SK.Cut), (acts.select_all, SK.SelectAll),
                        (acts.zoom_in, SK.ZoomIn), (acts.delete, SK.Delete)):
        assert action.shortcuts() == QKeySequence.keyBindings(key), action.text()
    # Quit has no binding on some platforms (offscreen, Windows): Ctrl+Q then
    assert acts.quit.shortcuts() == (QKeySequence.keyBindings(SK.Quit) or [QKeySequence("Ctrl+Q")])
    assert acts.duplicate.shortcut() == QKeySequence("Ctrl+D")
    assert QKeySequence("Ctrl+0") in acts.fit.shortcuts()
    examples = [a.text() for a in acts.examples_menu.actions()]
    assert len(examples) == 12 and examples[0].startswith("S1 ·") and examples[-1].startswith("S12 ·")
    assert acts.train.isEnabled() and acts.train.shortcut() == QKeySequence("F5")
    assert not acts.stop.isEnabled() and acts.stop.shortcut() == QKeySequence("Shift+F5")
    assert not acts.resume.isEnabled()  # nothing stopped to resume yet
    panels = [a.text() for a in acts.panels_menu.actions()]
    assert panels == ["Palette", "Inspector", "Problems", "Training", "Runs"]
    acts.panels_menu.actions()[2].trigger()
    assert not window.problems_dock.isVisible()


def test_keyboard_shortcuts_dialog_lists_every_shortcut(window: MainWindow, qtbot: Any) -> None:
    rows = shortcut_rows(window.menuBar())
    assert ("Edit", "Duplicate", "Ctrl+D") in rows
    assert ("File ▸ Export", "Keras .keras", "Ctrl+E") in rows
    shown = answer(qtbot, ShortcutsDialog, lambda d: d.reject())
    window.menu_actions.shortcuts.trigger()
    assert shown and shown[0].table.rowCount() == len(rows)


def test_edit_shortcuts_reach_the_canvas(window: MainWindow, qtbot: Any) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(window.view, Qt.Key.Key_D, CTRL)
    assert len(window.doc.graph) == 2
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert [n.name for n in window.doc.graph] == ["x"]


# ---------------------------------------------------------------------- title, close, files


def test_title_shows_name_and_unsaved_marker(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    assert window.windowTitle() == "untitled[*] — ModelGraft" and not window.isWindowModified()
    add(window.doc, "input", {"shape": (4,)}, name="x")
    assert window.isWindowModified()
    window.save_as(tmp_path / "grafted.mgraft")
    assert window.windowTitle() == "grafted[*] — ModelGraft" and not window.isWindowModified()
    add(window.doc, "output", name="y")
    assert window.isWindowModified()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks(window: MainWindow, qtbot: Any) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    asked = answer(qtbot, QMessageBox, press(QMessageBox.StandardButton.Cancel))
    press_keys(qtbot, window, Qt.Key.Key_Q)
    assert asked and "Save the changes to “untitled”" in asked[0].text()
    assert window.isVisible() and "x" in window.doc.graph
    answer(qtbot, QMessageBox, press(QMessageBox.StandardButton.Discard))
    assert window.close() and not window.isVisible()


def test_new_asks_first_and_save_routes_to_save_as(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    target = tmp_path / "first.mgraft"
    answer(qtbot, QMessageBox, press(QMessageBox.StandardButton.Save))
    answer_file = answer(qtbot, QFileDialog, choose_file(target))
    press_keys(qtbot, window, Qt.Key.Key_N)
    assert answer_file and answer_file[0].acceptMode() == QFileDialog.AcceptMode.AcceptSave
    assert answer_file[0].nameFilters() == ["ModelGraft projects (*.mgraft)"]
    assert target.exists() and len(window.doc.graph) == 0 and window.doc.path is None


def test_save_and_open_round_trip_through_the_file_menu(window: MainWindow, qtbot: Any,
                                                        tmp_path: Path) -> None:
    doc = window.doc
    add(doc, "input", {"shape": (10,)}, name="x", position=(0, 0))
    add(doc, "reshape", {"target_shape": (2, 5)}, name="r", position=(240, 0))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "r", "input")))
    target = tmp_path / "roundtrip.mgraft"
    answer(qtbot, QFileDialog, choose_file(target))
    press_keys(qtbot, window, Qt.Key.Key_S)
    assert target.exists() and not doc.dirty
    window.menu_actions.new.trigger()
    assert len(doc.graph) == 0
    answer(qtbot, QFileDialog, choose_file(target))
    press_keys(qtbot, window, Qt.Key.Key_O)
    assert [n.name for n in doc.graph] == ["x", "r"]
    assert str(doc.graph.node("r").outputs[0].spec) == "(None, 2, 5) float32"
    assert window.windowTitle() == "roundtrip[*] — ModelGraft"
    assert window.menu_actions.recent_files()[0] == str(target.resolve())
    window.menu_actions.recent_menu.aboutToShow.emit()
    entries = [a.text() for a in window.menu_actions.recent_menu.actions() if not a.isSeparator()]
    assert entries == ["&1 roundtrip.mgraft", "&Clear Menu"]
    window.menu_actions.recent_menu.actions()[-1].trigger()
    assert window.menu_actions.recent_files() == []


def test_a_broken_project_file_gives_one_sentence_and_keeps_the_project(window: MainWindow,
                                                                       tmp_path: Path) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    window.doc.undo_stack.setClean()
    broken = tmp_path / "broken.mgraft"
    broken.write_text('{"format": "modelgraft", "version": 1, "nodes": [')
    assert not window.open_project(broken)
    boxes = warnings_shown(window)
    assert len(boxes) == 1
    text = boxes[0].text()
    assert "broken.mgraft" in text and "\n" not in text and "Traceback" not in text
    assert [n.name for n in window.doc.graph] == ["x"] and window.windowTitle().startswith("untitled")


# ---------------------------------------------------------------------- export and check


def _model_project(doc: Document, models: dict[str, Any]) -> None:
    add(doc, "input", {"shape": (4,)}, name="x")
    doc.push(AddNodeCommand(doc, "model", model_node_params(str(models["keras"])), name="enc",
                            position=(240, 0)))
    add(doc, "output", name="y", position=(520, 0))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "enc", "x")))
    doc.push(ConnectCommand(doc, EdgeRef("enc", "out", "y", "input")))


def test_export_from_the_menu_is_verified_on_the_engine_thread(window: MainWindow, qtbot: Any,
                                                               models: dict[str, Any],
                                                               tmp_path: Path) -> None:
    _model_project(window.doc, models)
    qtbot.waitUntil(lambda: not window.doc.loading, timeout=60000)
    target = tmp_path / "grafted.keras"
    answer(qtbot, QFileDialog, choose_file(target))
    window.menu_actions.export_menu.actions()[0].trigger()
    assert window.bridge.busy and window.cancel_button.isVisible() and window.progress.isVisible()
    assert "Exporting Keras .keras file to grafted.keras" in window.job_label.text()
    qtbot.waitUntil(lambda: "verified" in window.statusBar().currentMessage(), timeout=120000)
    assert "verified: outputs match on 8 probe samples" in window.statusBar().currentMessage()
    assert target.exists() and not window.cancel_button.isVisible()
    dialogs = [d for d in window.findChildren(ExportResultDialog) if d.isVisible()]
    assert len(dialogs) == 1 and "outputs match on 8 probe samples" in dialogs[0].informativeText()


def test_export_failure_shows_the_reason(window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    with qtbot.waitSignal(window.export_finished, timeout=60000):
        window.export("keras", tmp_path / "nothing.keras")
    boxes = warnings_shown(window)
    assert len(boxes) == 1 and window.statusBar().currentMessage().startswith("Export failed: ")
    assert "Traceback" not in boxes[0].text() and not (tmp_path / "nothing.keras").exists()


def test_check_counts_problems_in_the_status_bar(window: MainWindow) -> None:
    add(window.doc, "input", {"shape": (4,)}, name="x")
    add(window.doc, "reshape", {"target_shape": (2, 2)}, name="r")
    window.problems_dock.hide()
    errors, warnings = window.check()
    assert errors >= 1 and window.problems_dock.isVisible()
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Check: {errors} error") and f"{warnings} warning" in message


# ---------------------------------------------------------------------- autosave and recovery


def test_autosave_writes_a_recovery_file_while_dirty(window: MainWindow, qtbot: Any) -> None:
    autosave = window.autosave
    assert not autosave.path.exists()
    add(window.doc, "input", {"shape": (4,)}, name="x")
    qtbot.waitUntil(autosave.path.exists, timeout=3000)
    assert '"x"' in autosave.path.read_text()
    window.doc.undo_stack.undo()
    assert not autosave.path.exists(), "clean again: nothing to recover"


CRASH = """
import os, sys
from PySide6.QtCore import QCoreApplication
from modelgraft.ui.autosave import Autosave
from modelgraft.ui.commands import AddNodeCommand
from modelgraft.ui.document import Document
app = QCoreApplication([])
doc = Document()
doc.push(AddNodeCommand(doc, "input", {"shape": (7,)}, name="survivor"))
autosave = Autosave(doc, directory=sys.argv[1])
autosave.start()
autosave.save_now()
os._exit(9)  # crash: no clean exit, the lock stays on disk
"""


def test_a_crashed_instance_is_offered_for_restore_but_a_running_one_is_not(
        window: MainWindow, qtbot: Any, tmp_path: Path) -> None:
    directory = window.autosave.directory
    subprocess.run([sys.executable, "-c", textwrap.dedent(CRASH), str(directory)], check=False)
    other_doc = Document()
    add(other_doc, "input", {"shape": (3,)}, name="other_instance")
    other = Autosave(other_doc, directory=directory)
    other.start()
    other.save_now()
    assert len(list(directory.glob("*.mgraft"))) == 2
    offered = answer(qtbot, QMessageBox, lambda box: box.buttons()[0].click())
    assert window.offer_recovery()
    assert offered and "Restore the unsaved changes to an unsaved project" in offered[0].text()
    assert [n.name for n in window.doc.graph] == ["survivor"]
    assert window.doc.dirty and window.isWindowModified()
    left = {p.stem for p in directory.glob("*.mgraft")}
    assert left == {other.slot, window.autosave.slot}, "the crashed file is gone, the live one kept"
    assert not window.offer_recovery(), "a running instance is not mistaken for a crash"
    other.stop()
