"""The inspector's project page and the data section of input/output nodes, driven through
real keyboard and mouse events: every change is one undo step, bad values are refused in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from modelgraft.ui.commands import AddNodeCommand, ConnectCommand, EdgeRef
from modelgraft.ui.document import Document
from modelgraft.ui.panels import InspectorPanel
from modelgraft.ui.panels.data_section import DataSection
from modelgraft.ui.panels.project_settings import ProjectSettings
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QWidget,
)


@pytest.fixture
def doc(qtbot: Any) -> Document:
    """input x (3,) → output y."""
    doc = Document()
    doc.push(AddNodeCommand(doc, "input", {"shape": (3,)}, name="x"))
    doc.push(AddNodeCommand(doc, "output", name="y"))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "y", "input")))
    doc.undo_stack.setClean()
    return doc


@pytest.fixture
def inspector(qtbot: Any, doc: Document) -> InspectorPanel:
    panel = InspectorPanel(doc)
    qtbot.addWidget(panel)
    panel.resize(300, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """A CSV (a, b, c, label), an NPZ with arrays x and y, and an NPY, under tmp_path/data."""
    data = tmp_path / "data"
    data.mkdir()
    csv = data / "train.csv"
    csv.write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,0\n")
    npz = data / "arrays.npz"
    np.savez(npz, x=np.zeros((3, 3), "float32"), y=np.zeros(3, "float32"))
    npy = data / "x.npy"
    np.save(npy, np.zeros((3, 3), "float32"))
    return {"csv": csv, "npz": npz, "npy": npy}


def _page(inspector: InspectorPanel) -> ProjectSettings:
    page = inspector.project_settings
    assert page is not None and page.isVisible()
    return page


def _data(inspector: InspectorPanel, doc: Document, name: str) -> DataSection:
    doc.set_selection([name])
    section = inspector.data_section
    assert section is not None and section.isVisible()
    return section


def _retype(qtbot: Any, edit: QWidget, text: str) -> None:
    edit.setFocus()
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def _error(parent: QWidget, name: str) -> QLabel:
    label = parent.findChild(QLabel, name)
    assert label is not None
    return label


def _binding_text(page: ProjectSettings, name: str) -> str:
    return page.binding_labels[name].full_text


# ---------------------------------------------------------------------- the inspector


def test_nothing_selected_shows_the_project_page(inspector: InspectorPanel, doc: Document) -> None:
    assert inspector.hint.isVisible()
    assert inspector.hint.text() == "Select a node to edit it. Project-wide settings:"
    page = _page(inspector)
    doc.set_selection(["x", "y"])
    assert inspector.project_settings is None and not page.isVisible()
    assert inspector.hint.text() == "2 nodes selected"
    doc.set_selection(["x"])
    assert not inspector.hint.isVisible() and inspector.data_section is not None
    doc.push(AddNodeCommand(doc, "reshape", {"target_shape": (3, 1)}, name="r"))
    doc.set_selection(["r"])
    assert inspector.node_name == "r" and inspector.data_section is None
    doc.set_selection([])
    assert _page(inspector) is page, "the same page comes back"


# ---------------------------------------------------------------------- training settings


def test_typing_the_batch_size_is_one_undo_step_and_undo_shows_at_once(
        qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    spin = _page(inspector).editor("batch_size").control
    assert spin.text() == "32" and doc.project.training == {}
    _retype(qtbot, spin, "64")
    assert doc.project.training == {}, "nothing is stored before Enter"
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert doc.project.training["batch_size"] == 64 and doc.project.training["optimizer"] == "adam"
    assert doc.undo_stack.count() == 4 and doc.undo_stack.undoText() == "Set batch size"
    assert doc.dirty
    spin.clearFocus()  # focus out after Enter commits nothing more
    assert doc.undo_stack.count() == 4

    doc.undo_stack.undo()
    assert doc.project.training == {} and spin.text() == "32" and not doc.dirty
    doc.undo_stack.redo()
    assert spin.text() == "64"


def test_an_invalid_learning_rate_shows_the_sentence_and_pushes_nothing(
        qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    page = _page(inspector)
    edit = page.editor("learning_rate").control
    message = _error(page, "error_learning_rate")
    assert isinstance(edit, QLineEdit) and edit.text() == "" and edit.placeholderText() == "optimizer default"
    depth = doc.undo_stack.count()

    _retype(qtbot, edit, "-1")
    assert message.isVisible()
    assert message.text() == "training setting 'learning_rate' must be a positive number (got -1.0)"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    _retype(qtbot, edit, "fast")
    assert message.text() == "training setting 'learning_rate' must be a positive number (got 'fast')"
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert doc.undo_stack.count() == depth and doc.project.training == {}
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert edit.text() == "" and not message.isVisible()

    _retype(qtbot, edit, "3e-4")
    assert not message.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert doc.project.training["learning_rate"] == 3e-4 and doc.undo_stack.count() == depth + 1
    _retype(qtbot, edit, "")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert doc.project.training["learning_rate"] is None, "empty is the optimizer's default"
    assert doc.undo_stack.count() == depth + 2


def test_early_stopping_toggles_by_click_and_enables_patience(
        qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    page = _page(inspector)
    check = page.editor("early_stopping").control
    patience = page.editor("patience")
    assert isinstance(check, QCheckBox) and not check.isChecked() and not patience.isEnabled()
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=check.rect().center())
    assert doc.project.training["early_stopping"] is True and patience.isEnabled()
    assert doc.undo_stack.undoText() == "Set early stopping"

    _retype(qtbot, patience.control, "2")
    qtbot.keyClick(patience.control, Qt.Key.Key_Return)
    assert doc.project.training["patience"] == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert not check.isChecked() and not patience.isEnabled() and patience.control.text() == "5"


def test_devices_listed_and_chosen(qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    page = _page(inspector)
    combo = page.editor("device").control
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["cpu"]
    inspector.set_devices(["gpu:0", "gpu:1"])
    assert [combo.itemText(i) for i in range(combo.count())] == ["cpu", "gpu:0", "gpu:1"]
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert doc.project.training["device"] == "gpu:0" and doc.undo_stack.undoText() == "Set device"

    inspector.set_devices([])  # the GPU went away: the stored choice stays listed and shown
    assert [combo.itemText(i) for i in range(combo.count())] == ["cpu", "gpu:0"]
    assert combo.currentText() == "gpu:0"


def test_steps_per_execution_shows_auto_for_zero(qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    spin = _page(inspector).editor("steps_per_execution").control
    assert spin.text() == "auto"
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert doc.project.training["steps_per_execution"] == 1
    qtbot.keyClick(spin, Qt.Key.Key_Down)
    assert doc.project.training["steps_per_execution"] == 0 and spin.text() == "auto"


def test_xla_compilation_is_auto_on_or_off(qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    combo = _page(inspector).editor("jit_compile").control
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["Auto", "On", "Off"]
    assert combo.currentText() == "Auto" and doc.project.training == {}
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_End)
    assert doc.project.training["jit_compile"] is False and doc.undo_stack.undoText() == "Set XLA compilation"
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert doc.project.training["jit_compile"] is True and combo.currentText() == "On"
    doc.undo_stack.undo()
    assert combo.currentText() == "Off"
    doc.replace_section("training", {"jit_compile": "auto"})  # as stored in a project file
    assert combo.currentText() == "Auto"


def test_an_invalid_stored_setting_is_named_and_replaced_by_the_next_change(
        qtbot: Any, inspector: InspectorPanel, doc: Document) -> None:
    doc.replace_section("training", {"epochs": 0, "optimizer": "sgd"})  # as from a hand-edited file
    page = _page(inspector)
    problem = _error(page, "training_problem")
    assert problem.isVisible() and "'epochs' must be a whole number of at least 1" in problem.text()
    assert page.editor("epochs").control.text() == "1"
    assert page.editor("optimizer").control.currentText() == "sgd"
    spin = page.editor("batch_size").control
    _retype(qtbot, spin, "8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert doc.project.training["epochs"] == 1 and doc.project.training["batch_size"] == 8
    assert not problem.isVisible()


# ---------------------------------------------------------------------- data section


def test_binding_a_csv_to_an_input(qtbot: Any, inspector: InspectorPanel, doc: Document,
                                   files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "x")
    assert section.source.full_text == "not bound" and not section.key.isEnabled()
    section.choose_source(str(files["csv"]))
    binding = doc.project.data["bindings"]["x"]
    assert binding == {"source": str(files["csv"].resolve())}, "no key: every column"
    assert doc.undo_stack.undoText() == "Bind 'x' to train.csv"
    assert section.key_label.text() == "Columns" and section.key.isEnabled()
    assert section.names.text() == "Columns: a, b, c, label"

    _retype(qtbot, section.key, "a,b,c")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)
    assert doc.project.data["bindings"]["x"]["key"] == ["a", "b", "c"]
    assert section.key.text() == "a, b, c"
    depth = doc.undo_stack.index()

    doc.set_selection([])
    assert _binding_text(_page(inspector), "x") == "train.csv · a, b, c"
    assert _binding_text(_page(inspector), "y") == "not bound"
    doc.undo_stack.undo()
    assert _binding_text(_page(inspector), "x") == "train.csv"
    section = _data(inspector, doc, "x")
    assert section.key.text() == "" and doc.undo_stack.index() == depth - 1

    _retype(qtbot, section.key, "label")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)
    assert doc.project.data["bindings"]["x"]["key"] == "label", "one column: one value per row"


def test_a_bad_key_names_the_column_and_the_available_ones(
        qtbot: Any, inspector: InspectorPanel, doc: Document, files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "x")
    section.choose_source(str(files["csv"]))
    depth, data = doc.undo_stack.count(), dict(doc.project.data)
    _retype(qtbot, section.key, "a, nope")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)
    message = _error(section, "data_key_error")
    assert message.isVisible()
    assert message.text() == ("binding 'x': 'train.csv' has no column 'nope'; "
                              "its columns: 'a', 'b', 'c', 'label'")
    assert doc.undo_stack.count() == depth and doc.project.data == data

    _retype(qtbot, section.key, "a, b")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)
    assert not message.isVisible() and doc.project.data["bindings"]["x"]["key"] == ["a", "b"]


def test_a_missing_file_is_refused_under_the_source(inspector: InspectorPanel, doc: Document,
                                                    tmp_path: Path) -> None:
    section = _data(inspector, doc, "x")
    section.choose_source(str(tmp_path / "gone.csv"))
    message = _error(section, "data_source_error")
    assert message.isVisible()
    assert message.text() == f"binding 'x': data file '{tmp_path / 'gone.csv'}' does not exist"
    assert doc.project.data == {} and doc.undo_stack.count() == 3
    section.remove.click()  # drops the source that was never stored
    assert section.source.full_text == "not bound" and not message.isVisible()


def test_npz_arrays_are_offered_and_completed(qtbot: Any, inspector: InspectorPanel, doc: Document,
                                              files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "y")
    section.choose_source(str(files["npz"]))
    message = _error(section, "data_source_error")
    assert message.isVisible() and "its arrays: 'x', 'y'" in message.text()
    assert doc.project.data == {}, "several arrays and no key: not stored"
    assert section.key_label.text() == "Array" and section.names.text() == "Arrays: x, y"

    completer = section.key.completer()
    _retype(qtbot, section.key, "y")
    assert completer.popup().isVisible() and completer.currentCompletion() == "y"
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)  # the completer passes Enter on: it binds
    assert not completer.popup().isVisible()
    assert doc.project.data["bindings"]["y"] == {"source": str(files["npz"]), "key": "y"}
    assert not message.isVisible()


def test_csv_columns_complete_after_a_comma(qtbot: Any, inspector: InspectorPanel, doc: Document,
                                            files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "x")
    section.choose_source(str(files["csv"]))
    completer = section.key.completer()
    _retype(qtbot, section.key, "a, la")
    assert completer.popup().isVisible() and completer.currentCompletion() == "a, label"
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert section.key.text() == "a, label"


def test_an_npy_source_takes_no_key_and_a_validation_source(
        inspector: InspectorPanel, doc: Document, files: dict[str, Path], tmp_path: Path) -> None:
    section = _data(inspector, doc, "x")
    section.choose_source(str(files["csv"]))
    section.key.setText("a")
    section.choose_source(str(files["npy"]))
    assert not section.key.isEnabled() and section.key.text() == ""
    assert doc.project.data["bindings"]["x"] == {"source": str(files["npy"])}

    val = tmp_path / "val.npy"
    np.save(val, np.zeros((2, 3), "float32"))
    section.choose_validation(str(val))
    assert doc.project.data["bindings"]["x"]["validation"] == str(val)
    assert section.validation.full_text == str(val) and section.clear_validation.isEnabled()
    section.clear_validation.click()
    assert "validation" not in doc.project.data["bindings"]["x"]


def test_remove_binding_by_click(qtbot: Any, inspector: InspectorPanel, doc: Document,
                                 files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "x")
    assert not section.remove.isEnabled()
    section.choose_source(str(files["csv"]))
    assert section.remove.isEnabled()
    qtbot.mouseClick(section.remove, Qt.MouseButton.LeftButton)
    assert doc.project.data == {"bindings": {}} and doc.undo_stack.undoText() == "Remove binding of 'x'"
    assert section.source.full_text == "not bound" and not section.remove.isEnabled()
    doc.undo_stack.undo()
    assert section.source.full_text == str(files["csv"])


def test_the_file_button_opens_a_dialog_whose_choice_binds(
        qtbot: Any, inspector: InspectorPanel, doc: Document, files: dict[str, Path]) -> None:
    section = _data(inspector, doc, "y")
    qtbot.mouseClick(section.choose_file, Qt.MouseButton.LeftButton)
    dialog = section.findChild(QFileDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.nameFilters()[0] == "Data files (*.csv *.npy *.npz)"
    dialog.selectFile(str(files["csv"]))
    dialog.accept()
    assert doc.project.data["bindings"]["y"] == {"source": str(files["csv"])}
    qtbot.waitUntil(lambda: section.findChild(QFileDialog) is None)  # deleted on close
    qtbot.mouseClick(section.choose_folder, Qt.MouseButton.LeftButton)
    dialog = section.findChild(QFileDialog)
    assert dialog is not None and dialog.fileMode() == QFileDialog.FileMode.Directory
    dialog.reject()


# ---------------------------------------------------------------------- split and files


def test_the_validation_split_spin_pushes_with_split(qtbot: Any, inspector: InspectorPanel,
                                                     doc: Document) -> None:
    page = _page(inspector)
    fraction = page.editor("split_fraction").control
    seed = page.editor("split_seed")
    assert fraction.text() == "0" and not seed.isEnabled()
    _retype(qtbot, fraction, "0.25")
    qtbot.keyClick(fraction, Qt.Key.Key_Return)
    assert doc.project.data == {"bindings": {}, "split": {"fraction": 0.25, "seed": 0}}
    assert doc.undo_stack.undoText() == "Set validation split" and seed.isEnabled()
    _retype(qtbot, seed.control, "7")
    qtbot.keyClick(seed.control, Qt.Key.Key_Return)
    assert doc.project.data["split"] == {"fraction": 0.25, "seed": 7}
    fraction.setFocus()
    qtbot.keyClick(fraction, Qt.Key.Key_Up)
    assert doc.project.data["split"] == {"fraction": 0.3, "seed": 7}
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert fraction.text() == "0.25" and seed.control.text() == "0"


def test_everything_survives_save_and_open(qtbot: Any, inspector: InspectorPanel, doc: Document,
                                           files: dict[str, Path], tmp_path: Path) -> None:
    page = _page(inspector)
    _retype(qtbot, page.editor("epochs").control, "12")
    qtbot.keyClick(page.editor("epochs").control, Qt.Key.Key_Return)
    jit = page.editor("jit_compile").control
    jit.setFocus()
    qtbot.keyClick(jit, Qt.Key.Key_Down)  # Auto → On
    _retype(qtbot, page.editor("split_fraction").control, "0.2")
    qtbot.keyClick(page.editor("split_fraction").control, Qt.Key.Key_Return)
    section = _data(inspector, doc, "x")
    section.choose_source(str(files["csv"]))
    _retype(qtbot, section.key, "a, b, c")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)
    section = _data(inspector, doc, "y")
    section.choose_source(str(files["csv"]))
    _retype(qtbot, section.key, "label")
    qtbot.keyClick(section.key, Qt.Key.Key_Return)

    path = doc.save(tmp_path / "p.mgraft")
    stored = json.loads(path.read_text())
    assert stored["data"]["bindings"]["x"] == {"source": "data/train.csv", "key": ["a", "b", "c"]}
    doc.new()
    page = _page(inspector)
    assert page.editor("epochs").control.text() == "1" and page.editor("jit_compile").control.currentText() == "Auto"

    doc.open(path)
    page = _page(inspector)
    assert page.editor("epochs").control.text() == "12"
    assert page.editor("jit_compile").control.currentText() == "On" and stored["training"]["jit_compile"] is True
    assert page.editor("split_fraction").control.text() == "0.2"
    assert _binding_text(page, "x") == "train.csv · a, b, c"
    assert _binding_text(page, "y") == "train.csv · label"
    section = _data(inspector, doc, "x")
    assert section.source.full_text == str(files["csv"]) and section.key.text() == "a, b, c"
