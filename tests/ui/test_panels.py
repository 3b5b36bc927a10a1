"""The side panels driven through real keyboard and mouse events: palette, inspector, problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from modelgraft.io import model_node_params
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.commands import AddNodeCommand, ConnectCommand, EdgeRef
from modelgraft.ui.document import Document
from modelgraft.ui.panels import KIND_MIME, InspectorPanel, PalettePanel, ProblemsPanel
from modelgraft.ui.panels.palette import IMPORT_ITEM
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
)

LOAD_TIMEOUT = 60000


@pytest.fixture
def doc(qtbot: Any) -> Document:
    return Document(EngineBridge())


def _show(qtbot: Any, widget: Any, size: tuple[int, int] = (320, 700)) -> Any:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _click_item(qtbot: Any, tree: QTreeWidget, item: QTreeWidgetItem, double: bool = False) -> None:
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    if double:  # a real double click is a click, then a press that Qt reports as double
        qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def _retype(qtbot: Any, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _pipeline(doc: Document) -> None:
    """x (10,) → r: reshape (2, 5)."""
    doc.push(AddNodeCommand(doc, "input", {"shape": (10,)}, name="x"))
    doc.push(AddNodeCommand(doc, "reshape", {"target_shape": (2, 5)}, name="r"))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "r", "input")))


# ---------------------------------------------------------------------- palette


def test_palette_lists_every_kind_by_family_and_filters_as_you_type(qtbot: Any, doc: Document) -> None:
    palette = _show(qtbot, PalettePanel(doc))
    groups = [palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())]
    assert groups[:3] == ["Inputs / Outputs", "Adapters", "Merges"]
    kinds = palette.visible_kinds()
    assert {"input", "output", "reshape", "cast", "concatenate", IMPORT_ITEM} <= set(kinds)
    assert "model" not in kinds
    assert palette.item("dense").text(0) == "Dense projection"
    assert "projection" in palette.item("dense").toolTip(0).lower()

    qtbot.keyClicks(palette.search, "resh")
    assert palette.visible_kinds() == ["reshape"]
    assert not palette.no_match.isVisible()
    qtbot.keyClicks(palette.search, "zz")
    assert palette.visible_kinds() == [] and palette.no_match.isVisible()
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    assert palette.search.text() == "" and palette.visible_kinds() == kinds


def test_palette_drag_payload_and_activation(qtbot: Any, doc: Document) -> None:
    palette = _show(qtbot, PalettePanel(doc))
    data = palette.mime_data("dense")
    assert data.hasFormat(KIND_MIME) and bytes(data.data(KIND_MIME)).decode("utf-8") == "dense"
    dragged = palette.tree.mimeData([palette.item("cast")])
    assert bytes(dragged.data(KIND_MIME)).decode("utf-8") == "cast"
    assert palette.item("cast").flags() & Qt.ItemFlag.ItemIsDragEnabled
    assert not palette.item(IMPORT_ITEM).flags() & Qt.ItemFlag.ItemIsDragEnabled

    with qtbot.waitSignal(palette.add_requested) as added:
        _click_item(qtbot, palette.tree, palette.item("dense"), double=True)
    assert added.args == ["dense"]
    qtbot.keyClicks(palette.search, "one hot")
    with qtbot.waitSignal(palette.add_requested) as added:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert added.args == ["one_hot"]
    qtbot.keyClick(palette.search, Qt.Key.Key_Escape)
    with qtbot.waitSignal(palette.import_requested):
        _click_item(qtbot, palette.tree, palette.item(IMPORT_ITEM), double=True)
    assert len(doc.graph) == 0, "the palette asks; the window adds"


# ---------------------------------------------------------------------- inspector


def test_inspector_follows_the_selection(qtbot: Any, doc: Document) -> None:
    _pipeline(doc)
    inspector = _show(qtbot, InspectorPanel(doc))
    assert inspector.hint.isVisible() and "Select a node" in inspector.hint.text()
    doc.set_selection(["x", "r"])
    assert inspector.hint.text() == "2 nodes selected" and inspector.node_name is None
    doc.set_selection(["r"])
    view = inspector.view
    assert inspector.node_name == "r" and view.name.text() == "r"
    assert "Reshape" in view.kind.text()
    ports = {label.objectName(): label.text() for label in view.findChildren(QLabel)
             if label.objectName().startswith("port_")}
    assert ports == {"port_in_input": "(None, 10) float32", "port_out_output": "(None, 2, 5) float32"}


def test_typing_a_parameter_validates_commits_once_and_follows_undo(qtbot: Any, doc: Document) -> None:
    _pipeline(doc)
    inspector = _show(qtbot, InspectorPanel(doc))
    doc.set_selection(["r"])
    edit = inspector.editor("target_shape").control
    message = inspector.view.findChild(QLabel, "error_target_shape")
    depth = doc.undo_stack.count()

    _retype(qtbot, edit, "2, x")
    assert message.isVisible()
    assert message.text() == "'r' (reshape): parameter 'target_shape' must be a whole number, got 'x'"
    assert edit.property("invalid") is True
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert doc.graph.node("r").params["target_shape"] == (2, 5) and doc.undo_stack.count() == depth

    _retype(qtbot, edit, "(5, 2)")
    assert not message.isVisible() and edit.property("invalid") is False
    assert doc.graph.node("r").params["target_shape"] == (2, 5), "nothing changes before Enter"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert doc.graph.node("r").params["target_shape"] == (5, 2)
    assert doc.undo_stack.count() == depth + 1
    assert str(doc.graph.node("r").outputs[0].spec) == "(None, 5, 2) float32"
    assert edit.text() == "5, 2"

    doc.undo_stack.undo()
    assert doc.graph.node("r").params["target_shape"] == (2, 5) and edit.text() == "2, 5"
    doc.undo_stack.redo()
    assert edit.text() == "5, 2"


def test_spin_box_and_combo_edits_are_one_undo_step_each(qtbot: Any, doc: Document) -> None:
    doc.push(AddNodeCommand(doc, "dense", {"units": 8}, name="d"))
    inspector = _show(qtbot, InspectorPanel(doc))
    doc.set_selection(["d"])
    spin = inspector.editor("units").control
    depth = doc.undo_stack.count()
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "32")
    assert doc.graph.node("d").params["units"] == 8
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert doc.graph.node("d").params["units"] == 32 and doc.undo_stack.count() == depth + 1
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert doc.graph.node("d").params["units"] == 33 and doc.undo_stack.count() == depth + 2

    combo = inspector.editor("activation").control
    assert isinstance(combo, QComboBox) and combo.currentText() == "linear"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert doc.graph.node("d").params["activation"] == "relu" and doc.undo_stack.count() == depth + 3
    doc.undo_stack.undo()
    assert combo.currentText() == "linear"
    doc.undo_stack.undo()
    assert spin.value() == 32


def test_rename_refuses_duplicates_and_invalid_names_in_place(qtbot: Any, doc: Document) -> None:
    _pipeline(doc)
    inspector = _show(qtbot, InspectorPanel(doc))
    doc.set_selection(["r"])
    name = inspector.view.name
    error = inspector.view.name_error
    _retype(qtbot, name, "x")
    assert error.isVisible() and error.text() == "a node named 'x' already exists"
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert "r" in doc.graph and "x" in doc.graph
    _retype(qtbot, name, "9 lives")
    assert "not valid" in error.text()
    qtbot.keyClick(name, Qt.Key.Key_Escape)
    assert name.text() == "r" and not error.isVisible()

    _retype(qtbot, name, "to_grid")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert "to_grid" in doc.graph and "r" not in doc.graph
    assert inspector.node_name == "to_grid" and not error.isVisible()
    doc.undo_stack.undo()
    assert inspector.node_name == "r" and name.text() == "r"


def _add_model(qtbot: Any, doc: Document, path: Path, name: str, **params: Any) -> None:
    doc.push(AddNodeCommand(doc, "model", {**model_node_params(str(path)), **params}, name=name))
    qtbot.waitUntil(lambda: name not in doc.loading, timeout=LOAD_TIMEOUT)


def test_model_node_counts_trainable_toggle_and_layer_table(qtbot: Any, doc: Document,
                                                            models: dict[str, Any]) -> None:
    _add_model(qtbot, doc, models["keras"], "enc")
    inspector = _show(qtbot, InspectorPanel(doc))
    doc.set_selection(["enc"])
    view = inspector.view
    assert view.model_info.path.full_text == str(Path(models["keras"]).resolve())
    assert view.model_info.sha.full_text == doc.graph.node("enc").params["sha256"]
    assert view.model_info.format.text() == "Keras (.keras)"
    assert view.model_info.counts.text() == "51 total · 51 trainable"

    table = view.layers.table
    qtbot.waitUntil(lambda: table.rowCount() > 0, timeout=LOAD_TIMEOUT)
    rows = [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]
    assert ["hidden", "Dense", "(None, 6)", "30"] in rows and ["out", "Dense", "(None, 3)", "21"] in rows

    check = inspector.editor("trainable").control
    assert isinstance(check, QCheckBox) and check.isChecked()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center())
    assert doc.graph.node("enc").params["trainable"] is False
    qtbot.waitUntil(lambda: view.model_info.counts.text() == "51 total · 0 trainable  (frozen)",
                    timeout=LOAD_TIMEOUT)
    doc.undo_stack.undo()
    assert check.isChecked()
    qtbot.waitUntil(lambda: view.model_info.counts.text() == "51 total · 51 trainable",
                    timeout=LOAD_TIMEOUT)


def _port_labels(inspector: InspectorPanel, direction: str) -> list[str]:
    prefix = f"port_{direction}_"
    return [label.objectName()[len(prefix):] for label in inspector.view.findChildren(QLabel)
            if label.objectName().startswith(prefix)]


def test_savedmodel_endpoint_choice(qtbot: Any, doc: Document, models: dict[str, Any]) -> None:
    _add_model(qtbot, doc, models["two_sigs"], "sm", endpoint="score")
    inspector = _show(qtbot, InspectorPanel(doc))
    doc.set_selection(["sm"])
    combo = inspector.view.model_info.endpoint
    assert combo.isVisible() and combo.currentText() == "score"
    assert sorted(combo.itemText(i) for i in range(combo.count())) == ["multi", "score"]
    assert _port_labels(inspector, "in") == ["features"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() == 0 else Qt.Key.Key_Up)
    assert doc.graph.node("sm").params["endpoint"] == "multi"
    qtbot.waitUntil(lambda: _port_labels(inspector, "in") == ["image", "meta"], timeout=LOAD_TIMEOUT)
    assert combo.currentText() == "multi"


# ---------------------------------------------------------------------- problems


def test_problems_panel_lists_and_activates_problems(qtbot: Any, doc: Document) -> None:
    panel = _show(qtbot, ProblemsPanel(doc), (700, 240))
    assert panel.empty.isVisible() and panel.problem_count() == (0, 0)
    with qtbot.waitSignal(panel.counts_changed, timeout=2000) as counts:
        doc.push(AddNodeCommand(doc, "input", {"shape": (4,)}, name="x"))
        doc.push(AddNodeCommand(doc, "output", name="y"))
        assert panel.timer.isActive(), "a burst of edits is recomputed once, a moment later"
    assert counts.args == [1, 1] and panel.problem_count() == (1, 1)
    tree = panel.tree
    texts = [(tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(1)) for i in range(tree.topLevelItemCount())]
    assert texts == [("'y' input is not connected", "y"), ("input 'x' is not used", "x")]

    with qtbot.waitSignal(panel.node_activated) as activated:
        _click_item(qtbot, tree, tree.topLevelItem(0))
    assert activated.args == ["y"]
    tree.setFocus()
    tree.setCurrentItem(tree.topLevelItem(1))
    with qtbot.waitSignal(panel.node_activated) as activated:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert activated.args == ["x"]

    with qtbot.waitSignal(panel.counts_changed, timeout=2000) as counts:
        doc.push(ConnectCommand(doc, EdgeRef("x", "output", "y", "input")))
    assert counts.args == [0, 0]
    assert panel.empty.isVisible() and not tree.isVisible()


def test_problems_panel_follows_a_replaced_project(qtbot: Any, doc: Document) -> None:
    panel = _show(qtbot, ProblemsPanel(doc), (700, 240))
    doc.open(Path(__file__).parents[2] / "resources/examples/s3_image_text/project.mgraft")
    assert panel.problem_count()[0] == 0
    doc.push(AddNodeCommand(doc, "output", name="dangling"))
    qtbot.waitUntil(lambda: panel.problem_count()[0] == 1, timeout=2000)
