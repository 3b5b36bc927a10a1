"""Relinking a model whose file moved, and accepting one that changed, from the Problems panel
and from the model's inspector section: real clicks, real file dialogs, one undo step each."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from modelgraft.core.graph import Graph
from modelgraft.io import model_node_params, save_project, sha256_file
from modelgraft.nodes import CATALOG
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.commands import AddNodeCommand
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow
from modelgraft.ui.panels.model_section import (
    ModelInfo,
    accept_changed_model,
    relink_model,
)
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QToolButton,
    QWidget,
)

LOAD_TIMEOUT = 60000
CTRL = Qt.KeyboardModifier.ControlModifier


def _dense(keras: Any, seed: int) -> Any:
    keras.utils.set_random_seed(seed)
    x = keras.Input((4,), name="x")
    return keras.Model(x, keras.layers.Dense(2, name="out")(x), name="enc")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small model (``a.keras``), the same model retrained (``retrained.keras``, other
    weights) and a project x → enc → y using ``models/a.keras``."""
    from modelgraft.engine import runtime

    keras = runtime.keras()
    root = tmp_path_factory.mktemp("relink")
    (root / "models").mkdir()
    files = {"model": root / "models" / "a.keras", "retrained": root / "retrained.keras",
             "project": root / "demo.mgraft"}
    _dense(keras, 1).save(files["model"])
    _dense(keras, 2).save(files["retrained"])
    graph = Graph(CATALOG)
    graph.add_node("input", {"shape": [4]}, name="x", position=(0, 0))
    graph.add_node("model", model_node_params(files["model"]), name="enc", position=(240, 0))
    graph.add_node("output", {"loss": "mse"}, name="y", position=(480, 0))
    graph.connect("x", "enc")
    graph.connect("enc", "y")
    save_project(files["project"], graph)
    return files


@pytest.fixture
def project(saved: dict[str, Path], tmp_path: Path) -> Path:
    """A fresh copy of the project folder; returns the project file."""
    root = tmp_path / "project"
    shutil.copytree(saved["project"].parent, root)
    return root / "demo.mgraft"


def answer(kind: type[QWidget], reply: Callable[[Any], None], popup: bool = False) -> list[QWidget]:
    """Answer the next modal dialog (or popup menu) of ``kind`` with ``reply(widget)``."""
    seen: list[QWidget] = []
    timer = QTimer(QApplication.instance())
    timer.setInterval(20)

    def poll() -> None:
        widget = QApplication.activePopupWidget() if popup else QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible() and not seen:
            seen.append(widget)
            timer.stop()
            timer.deleteLater()
            reply(widget)

    timer.timeout.connect(poll)
    timer.start()
    return seen


def choose_file(path: Path, opened_in: list[str] | None = None) -> Callable[[QFileDialog], None]:
    """Put the path in the dialog's file name box and press Enter (recording the folder the
    dialog opened in)."""
    def reply(dialog: QFileDialog) -> None:
        if opened_in is not None:
            opened_in.append(dialog.directory().absolutePath())
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText(str(path))
        QTest.keyClick(edit, Qt.Key.Key_Return)
    return reply


def click_action(text: str) -> Callable[[QMenu], None]:
    """Click the menu entry ``text`` with the mouse."""
    def reply(menu: QMenu) -> None:
        (action,) = [a for a in menu.actions() if a.text() == text]
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    return reply


def problem_rows(win: MainWindow) -> dict[str, tuple[str, Any]]:
    """Node name → (message, tree item) of every listed problem about a model file."""
    win.problems.refresh()
    tree = win.problems.tree
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    return {r.text(1): (r.text(0), r) for r in rows if r.text(0).startswith("model file ")}


def row_button(win: MainWindow, item: Any, name: str) -> QToolButton:
    tree = win.problems.tree
    tree.scrollToItem(item)
    button = tree.itemWidget(item, 2).findChild(QToolButton, name)
    assert button.isVisible()
    return button


def out_spec(win: MainWindow) -> str:
    return str(win.doc.graph.node("enc").output("out").spec)


def press_undo(qtbot: Any, win: MainWindow, redo: bool = False) -> None:
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=2000)
    if redo:
        qtbot.keyClick(win, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    else:
        qtbot.keyClick(win, Qt.Key.Key_Z, CTRL)


# ---------------------------------------------------------------------- moved file


def test_a_moved_model_is_relinked_from_its_problem_row(window: MainWindow, qtbot: Any,
                                                        project: Path) -> None:
    old = project.parent / "models" / "a.keras"
    moved = project.parent / "moved" / "a.keras"
    moved.parent.mkdir()
    old.rename(moved)
    assert window.load(project)
    message, row = problem_rows(window)["enc"]
    assert message == f"model file 'a.keras' of node 'enc' is missing (looked for '{old.resolve()}')"
    assert out_spec(window) == "None", "the outputs are unknown until the model loads"

    opened_in: list[str] = []
    asked = answer(QFileDialog, choose_file(moved, opened_in))
    qtbot.mouseClick(row_button(window, row, "relink"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(asked) and window.doc.graph.node("enc").params["path"] == str(moved),
                    timeout=10000)
    assert asked[0].windowTitle() == "Relink Model 'enc'"
    assert asked[0].fileMode() == QFileDialog.FileMode.ExistingFile
    assert opened_in == [str(old.parent.resolve())], "it opens where the file was"
    qtbot.waitUntil(lambda: not window.doc.loading and out_spec(window) == "(None, 2) float32",
                    timeout=LOAD_TIMEOUT)
    params = window.doc.graph.node("enc").params
    assert params["sha256"] == sha256_file(moved)
    assert params["signature"]["params"] == {"total": 10, "trainable": 10}
    assert problem_rows(window) == {} and window.problems.problem_count() == (0, 0)
    assert window.doc.undo_stack.count() == 1 and window.doc.dirty
    assert window.doc.undo_stack.undoText() == "Relink 'enc' to a.keras"

    press_undo(qtbot, window)
    assert window.doc.graph.node("enc").params["path"] == str(old.resolve())
    assert problem_rows(window)["enc"][0] == message
    assert window.problems.problem_count()[0] == 1 and not window.doc.dirty
    press_undo(qtbot, window, redo=True)
    qtbot.waitUntil(lambda: not window.doc.loading and out_spec(window) == "(None, 2) float32",
                    timeout=LOAD_TIMEOUT)
    assert problem_rows(window) == {}

    window.save()
    reopened = Path(project).read_text()
    assert '"path": "moved/a.keras"' in reopened, "saved relative to the project, like any path"


def test_relinking_to_a_file_that_is_not_a_model_says_why_and_changes_nothing(
        window: MainWindow, qtbot: Any, project: Path) -> None:
    (project.parent / "models" / "a.keras").unlink()
    page = project.parent / "page.keras"
    page.write_bytes(b"<!DOCTYPE html><html><body>Download</body></html>")
    assert window.load(project)
    _message, row = problem_rows(window)["enc"]
    asked = answer(QFileDialog, choose_file(page))
    qtbot.mouseClick(row_button(window, row, "relink"), Qt.MouseButton.LeftButton)

    def warned() -> list[str]:
        return [b.text() for b in window.problems.findChildren(QMessageBox) if b.isVisible()]

    qtbot.waitUntil(lambda: bool(asked) and bool(warned()), timeout=10000)
    assert warned() == [("model file 'page.keras' is an HTML page, not a model; it was probably saved "
                        "from a download page instead of the file itself")]
    assert window.doc.undo_stack.count() == 0
    assert "enc" in problem_rows(window)


def test_cancelling_the_file_dialog_changes_nothing(window: MainWindow, qtbot: Any, project: Path) -> None:
    (project.parent / "models" / "a.keras").unlink()
    assert window.load(project)
    asked = answer(QFileDialog, lambda dialog: dialog.reject())
    assert not window.problems.relink("enc")
    assert asked and window.doc.undo_stack.count() == 0


# ---------------------------------------------------------------------- changed file


def test_a_changed_model_is_accepted_from_the_context_menu(window: MainWindow, qtbot: Any,
                                                           project: Path, saved: dict[str, Path]) -> None:
    model = project.parent / "models" / "a.keras"
    recorded = sha256_file(model)
    shutil.copy(saved["retrained"], model)
    assert window.load(project)
    message, row = problem_rows(window)["enc"]
    assert message == "model file 'a.keras' of node 'enc' changed since it was added (sha256 differs)"
    tree = window.problems.tree
    assert {b.objectName() for b in tree.itemWidget(row, 2).findChildren(QToolButton)} == {"accept", "relink"}

    menu = answer(QMenu, click_action("Accept Changed File"), popup=True)
    pos = tree.visualItemRect(row).center()
    QApplication.sendEvent(tree.viewport(), QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, pos, tree.viewport().mapToGlobal(pos)))
    assert menu and [a.text() for a in menu[0].actions()] == ["Show Node", "Relink…", "Accept Changed File"]
    assert window.doc.graph.node("enc").params["sha256"] == sha256_file(model) != recorded
    assert problem_rows(window) == {}
    assert window.doc.undo_stack.undoText() == "Accept the changed file of 'enc'"

    press_undo(qtbot, window)
    assert window.doc.graph.node("enc").params["sha256"] == recorded
    assert problem_rows(window)["enc"][0] == message


def test_show_node_in_the_context_menu_activates_the_node(window: MainWindow, qtbot: Any,
                                                            project: Path) -> None:
    (project.parent / "models" / "a.keras").unlink()
    assert window.load(project)
    _message, row = problem_rows(window)["enc"]
    tree = window.problems.tree
    answer(QMenu, click_action("Show Node"), popup=True)
    pos = tree.visualItemRect(row).center()
    with qtbot.waitSignal(window.problems.node_activated) as shown:
        QApplication.sendEvent(tree.viewport(), QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, pos, tree.viewport().mapToGlobal(pos)))
    assert shown.args == ["enc"] and window.doc.undo_stack.count() == 0


def test_trust_does_not_follow_a_relink_or_an_accept_to_other_content(qtbot: Any, project: Path,
                                                                      saved: dict[str, Path]) -> None:
    """Trust is bound to the file content: a trusted node relinked to the same content stays
    trusted; relinked to, or accepting, other content it is scanned again (not trusted)."""
    doc = Document()
    model = project.parent / "models" / "a.keras"
    doc.push(AddNodeCommand(doc, "model", {**model_node_params(model), "trusted": True}, name="enc"))
    panel = QWidget()
    qtbot.addWidget(panel)
    moved = project.parent / "same.keras"
    shutil.copy(model, moved)
    answer(QFileDialog, choose_file(moved))
    assert relink_model(doc, "enc", panel)
    assert doc.graph.node("enc").params["trusted"] is True
    answer(QFileDialog, choose_file(saved["retrained"]))
    assert relink_model(doc, "enc", panel)
    assert doc.graph.node("enc").params["trusted"] is False
    doc.undo_stack.undo()
    assert doc.graph.node("enc").params["trusted"] is True
    shutil.copy(saved["retrained"], moved)
    assert accept_changed_model(doc, "enc", panel)
    assert doc.graph.node("enc").params["trusted"] is False
    assert not accept_changed_model(doc, "enc", panel), "nothing left to accept"


# ---------------------------------------------------------------------- inspector section


def test_the_model_section_relinks_next_to_the_path_and_accepts_under_the_hash(
        qtbot: Any, project: Path, saved: dict[str, Path]) -> None:
    doc = Document(EngineBridge())
    doc.open(project)
    model = project.parent / "models" / "a.keras"
    info = ModelInfo(doc)
    qtbot.addWidget(info)
    info.resize(420, 200)
    info.show()
    qtbot.waitExposed(info)
    node = doc.graph.node("enc")
    info.show_node(node)
    assert info.relink.isVisible() and not info.accept.isVisible()

    shutil.copy(saved["retrained"], model)
    info.show_node(node)
    assert info.accept.isVisible()
    qtbot.mouseClick(info.accept, Qt.MouseButton.LeftButton)
    assert node.params["sha256"] == sha256_file(model)
    info.show_node(node)
    assert not info.accept.isVisible()

    other = project.parent / "other.keras"
    shutil.copy(saved["retrained"], other)
    asked = answer(QFileDialog, choose_file(other))
    qtbot.mouseClick(info.relink, Qt.MouseButton.LeftButton)
    assert asked and node.params["path"] == str(other)
    info.show_node(node)  # the inspector calls this on every change of the node
    assert info.path.full_text == str(other) and not info.accept.isVisible()
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert node.params["path"] == str(model.resolve())
    qtbot.waitUntil(lambda: not doc.loading, timeout=LOAD_TIMEOUT)


def test_the_model_section_without_a_document_offers_no_fixes(qtbot: Any, project: Path) -> None:
    doc = Document()
    doc.open(project)
    info = ModelInfo()
    qtbot.addWidget(info)
    info.show()
    info.show_node(doc.graph.node("enc"))
    assert not info.relink.isVisible() and not info.accept.isVisible()
