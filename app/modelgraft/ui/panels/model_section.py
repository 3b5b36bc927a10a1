"""The inspector's part for ``model`` nodes: file, hash, endpoint, counts and layer table.

The layer summary needs the loaded Keras model, so it is read on the engine thread through
the bridge (:class:`LayerSummaries`); the table shows "loading…" meanwhile and the GUI never
waits.

Signals (GUI thread):

- ``LayerSummaries.ready(tuple, object)``: rows (a list of dicts) arrived for a key, or the
  message (a ``str``) of why they could not be read.
- ``ModelInfo.endpoint_chosen(str)``: the user picked another SavedModel endpoint.

A model whose file moved or changed is fixed here or from the Problems panel:
:func:`relink_model` asks for the file the node should use now, :func:`accept_changed_model`
records the changed file's hash; each is one undo step (:class:`ModelFileCommand`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ModelGraftError
from ...engine.summary import layer_summary
from ...io import model_file_problems, model_node_params, sha256_file
from ..commands import ModelFileCommand
from ..theme import colors, system_is_dark
from .common import ElidedLabel, dim_label, form_label, form_layout

if TYPE_CHECKING:
    from ...core.elements import Node
    from ..document import Document

__all__ = ["ACCEPT_TIP", "MODEL_FILTER", "RELINK_CODES", "RELINK_TIP", "LayerSummaries", "LayerTable",
           "ModelInfo", "accept_changed_model", "fix_button", "relink_model", "summary_key"]

_FORMATS = {"keras": "Keras (.keras)", "h5": "Legacy HDF5 (.h5)", "savedmodel": "SavedModel"}
_MAX_TABLE_ROWS = 12

MODEL_FILTER = "Keras models (*.keras *.h5 *.hdf5);;All files (*)"
RELINK_CODES = ("model-missing", "model-unreadable", "model-load", "model-changed")
"""Problem codes a model node's Relink… fixes (``model-changed`` also offers Accept)."""
RELINK_TIP = "Point this node at the model file it should use now (for example after it moved)"
ACCEPT_TIP = "The file changed since it was added: record its new hash and keep using it"


def _warn(parent: QWidget, title: str, text: str) -> None:
    """A non-blocking warning with one sentence."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def _ask_model_path(parent: QWidget, title: str, start: str, folder: bool) -> str | None:
    dialog = QFileDialog(parent, title, start, "" if folder else MODEL_FILTER)
    dialog.setObjectName("FileDialog")
    if folder:
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    if not dialog.exec() or not dialog.selectedFiles():
        return None
    return dialog.selectedFiles()[0]


def _start_dir(doc: Document, old: str) -> str:
    """Where the file dialog opens: the old file's folder if it is still there, else the
    project's folder."""
    folder = Path(old).parent
    if folder.is_dir():
        return str(folder)
    return str(doc.path.parent) if doc.path else str(Path.home())


def relink_model(doc: Document, name: str, parent: QWidget) -> bool:
    """Ask for the file model node ``name`` should use now and point it there (one undo step).

    The node's ``path``, ``sha256`` and ``signature`` follow the new file and the document
    reloads it. A trusted node stays trusted only if the new file has the hash it was
    trusted with; otherwise the engine scans the new file before loading it. A file that
    is not a model is refused with its one-sentence reason and the node stays as it was.

    Returns:
        Whether the node was relinked.
    """
    node = doc.graph.node(name)
    old = node.params
    folder = (old["signature"] or {}).get("format") == "savedmodel"
    path = _ask_model_path(parent, f"Relink Model '{name}'", _start_dir(doc, old["path"]), folder)
    if path is None:
        return False
    try:
        new = model_node_params(path)  # hashed now: trust and the changed-file check need it
    except ModelGraftError as err:
        _warn(parent, "Cannot relink model", str(err))
        return False
    changes = {key: new[key] for key in ("path", "sha256", "signature")}
    if old["trusted"] and new["sha256"] != old["sha256"]:
        changes["trusted"] = False
    doc.push(ModelFileCommand(doc, name, changes, f"Relink '{name}' to {Path(path).name}"))
    return True


def accept_changed_model(doc: Document, name: str, parent: QWidget) -> bool:
    """Record the current hash of model node ``name``'s changed file (one undo step).

    Accepting the content is not trusting its code: a trusted node becomes untrusted, so
    the engine scans the changed file before loading it.

    Returns:
        Whether the recorded hash changed.
    """
    node = doc.graph.node(name)
    try:
        sha = sha256_file(node.params["path"])
    except ModelGraftError as err:
        _warn(parent, "Cannot accept the changed file", str(err))
        return False
    if sha == node.params["sha256"]:
        return False
    changes: dict[str, Any] = {"sha256": sha}
    if node.params["trusted"]:
        changes["trusted"] = False
    doc.push(ModelFileCommand(doc, name, changes, f"Accept the changed file of '{name}'"))
    return True


def fix_button(text: str, tip: str, name: str) -> QToolButton:
    """A small flat button that fixes a model file problem (Relink…, Accept Changed File)."""
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


def summary_key(node: Node) -> tuple[Any, ...]:
    """What a layer summary depends on: the node, its file, endpoint and trainable flag."""
    p = node.params
    return (node.name, p["path"], p.get("sha256"), p["endpoint"], p["trainable"])


def count_text(signature: dict[str, Any] | None, trainable: bool) -> str:
    """``"3,232 total · 3,232 trainable"``, or why the counts are not known yet."""
    counts = (signature or {}).get("params")
    if not counts:
        return "known once the model is loaded"
    text = f"{counts['total']:,} total · {counts['trainable']:,} trainable"
    return text + ("  (frozen)" if not trainable else "")


class LayerSummaries(QObject):
    """Reads layer summaries on the engine thread and keeps them per :func:`summary_key`."""

    ready = Signal(tuple, object)

    def __init__(self, doc: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._rows: dict[tuple[Any, ...], Any] = {}
        self._pending: set[tuple[Any, ...]] = set()

    def clear(self) -> None:
        """Forget every summary (another project was opened)."""
        self._rows.clear()
        self._pending.clear()

    def get(self, node: Node) -> Any:
        """The rows (or failure message) known for the node, else ``None`` after asking the
        engine for them (``ready`` follows)."""
        key = summary_key(node)
        if key in self._rows:
            return self._rows[key]
        if self.doc.bridge is None:
            return "the layer summary needs the engine, which is not running"
        if not os.path.exists(node.params["path"]):
            return f"the model file is missing ({node.params['path']})"
        if key not in self._pending:
            self._pending.add(key)
            project = self.doc.project
            self.doc.bridge.run(
                f"Reading layers of '{node.name}'",
                lambda: layer_summary(project.session.loaded(node)),
                on_done=lambda rows: self._arrived(key, rows),
                on_error=lambda err: self._arrived(key, str(err) if isinstance(err, ModelGraftError)
                                                   else f"the layers could not be read: {err}"))
        return None

    def _arrived(self, key: tuple[Any, ...], rows: Any) -> None:
        if not shiboken6.isValid(self) or key not in self._pending:  # panel gone, or project replaced
            return
        self._pending.discard(key)
        self._rows[key] = rows
        self.ready.emit(key, rows)


class ModelInfo(QWidget):
    """File path, SHA-256, format, SavedModel endpoint and parameter counts of a model node.

    Given the document, it also offers Relink… next to the path and, while the file differs
    from the one added, Accept Changed File under the hash.
    """

    endpoint_chosen = Signal(str)

    def __init__(self, doc: Document | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.node: Node | None = None
        form = form_layout()
        self.setLayout(form)
        self.path = ElidedLabel(Qt.TextElideMode.ElideLeft)
        self.path.setObjectName("model_path")
        self.sha = ElidedLabel(Qt.TextElideMode.ElideRight)
        self.sha.setObjectName("model_sha256")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF())
        self.sha.setFont(mono)
        self.sha.setMaximumWidth(self.sha.fontMetrics().horizontalAdvance("0" * 16 + "…"))
        self.format = QLabel()
        self.endpoint = QComboBox()
        self.endpoint.setObjectName("model_endpoint")
        self.endpoint.setToolTip("The SavedModel signature this node calls; its ports follow it.")
        self.endpoint.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.endpoint.activated.connect(lambda _i: self._choose(self.endpoint.currentData()))
        self.counts = QLabel()
        self.counts.setObjectName("model_counts")
        self.counts.setWordWrap(True)
        self.relink = fix_button("Relink…", RELINK_TIP, "model_relink")
        self.relink.clicked.connect(self._relink)
        self.relink.setVisible(doc is not None)
        self.accept = fix_button("Accept Changed File", ACCEPT_TIP, "model_accept")
        self.accept.clicked.connect(self._accept)
        self.accept_row = QWidget()
        accept_layout = QHBoxLayout(self.accept_row)
        accept_layout.setContentsMargins(0, 0, 0, 0)
        accept_layout.addWidget(self.accept)
        accept_layout.addStretch(1)
        file_row = QWidget()
        file_layout = QHBoxLayout(file_row)
        file_layout.setContentsMargins(0, 0, 0, 0)
        file_layout.setSpacing(4)
        file_layout.addWidget(self.path, 1)
        file_layout.addWidget(self.relink)
        form.addRow(form_label("File", "The model file or SavedModel folder"), file_row)
        form.addRow(form_label("SHA-256", "Hash of the file when it was added"), self.sha)
        form.addRow(form_label(""), self.accept_row)
        form.setRowVisible(self.accept_row, False)
        form.addRow(form_label("Format"), self.format)
        form.addRow(form_label("Endpoint"), self.endpoint)
        form.addRow(form_label("Weights", "Parameters of the model; frozen ones are not trained"),
                    self.counts)

    def show_node(self, node: Node) -> None:
        """Show the node's current file, hash, format, endpoint and counts."""
        self.node = node
        params, sig = node.params, node.params["signature"] or {}
        path = str(params["path"])
        self.path.set_full_text(path, path if os.path.exists(path) else f"{path}\n(missing)")
        self.sha.set_full_text(params.get("sha256") or "—")
        form: QFormLayout = self.layout()  # type: ignore[assignment]
        if self.doc is not None:
            codes = {p.code for p in model_file_problems(node.graph) if p.node == node.name}
            form.setRowVisible(self.accept_row, "model-changed" in codes)
        self.format.setText(_FORMATS.get(sig.get("format", ""), sig.get("format") or "unknown"))
        endpoints = list(sig.get("endpoints") or [])
        form.setRowVisible(self.endpoint, sig.get("format") == "savedmodel")
        self.endpoint.blockSignals(True)
        # Until the engine has read the SavedModel its signatures are unknown: let the user
        # type one (loading names them when it cannot choose).
        if not endpoints and not self.endpoint.isEditable():
            self.endpoint.setEditable(True)
            self.endpoint.lineEdit().setPlaceholderText("signature name")
            self.endpoint.lineEdit().editingFinished.connect(
                lambda: self._choose(self.endpoint.currentText().strip()))
        elif endpoints and self.endpoint.isEditable():
            self.endpoint.setEditable(False)
        self.endpoint.clear()
        for name in endpoints:
            self.endpoint.addItem(name, name)
        current = params["endpoint"] or sig.get("endpoint")
        if current and self.endpoint.findData(current) < 0:
            self.endpoint.addItem(current, current)
        self.endpoint.setCurrentIndex(self.endpoint.findData(current))
        self.endpoint.setEnabled(self.endpoint.count() > 1 or not endpoints)
        self.endpoint.blockSignals(False)
        self.counts.setText(count_text(sig, params["trainable"]))

    def _choose(self, endpoint: str | None) -> None:
        if endpoint:
            self.endpoint_chosen.emit(endpoint)

    def _relink(self) -> None:
        if self.doc is not None and self.node is not None and self.node.name in self.doc.graph:
            relink_model(self.doc, self.node.name, self)

    def _accept(self) -> None:
        if self.doc is not None and self.node is not None and self.node.name in self.doc.graph:
            accept_changed_model(self.doc, self.node.name, self)


class LayerTable(QWidget):
    """The layers of a model (name, type, output shape, parameters), filled asynchronously."""

    HEADERS = ("Layer", "Type", "Output shape", "Params")

    def __init__(self, summaries: LayerSummaries, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summaries = summaries
        self._key: tuple[Any, ...] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.status = dim_label()
        self.status.setObjectName("layers_status")
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setObjectName("layers_table")
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setShowGrid(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        summaries.ready.connect(self._ready)

    def show_node(self, node: Node) -> None:
        """Show the node's layers, asking the engine for them if they are not known yet."""
        key = summary_key(node)
        if key == self._key and self.table.rowCount():
            return
        self._key = key
        result = self.summaries.get(node)
        self._show(result if result is not None else "loading…")

    @property
    def loading(self) -> bool:
        """Whether the rows are still being read."""
        return self.status.text() == "loading…"

    def _ready(self, key: tuple[Any, ...], rows: Any) -> None:
        if key == self._key:
            self._show(rows)

    def _show(self, rows: Any) -> None:
        if isinstance(rows, str):
            self.status.setText(rows)
            self.status.show()
            self.table.hide()
            self.table.setRowCount(0)
            return
        self.status.hide()
        self.table.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        dim = colors(system_is_dark()).text_dim
        for r, row in enumerate(rows):
            cells = (row["name"], row["type"], row["output_shape"], f"{row['params']:,}")
            tip = (f"{row['name']} ({row['type']})\noutput {row['output_shape']}\n"
                   f"{row['params']:,} parameters" + ("" if row["trainable"] else ", frozen"))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if c == 3:
                    item.setTextAlignment(right)
                if not row["trainable"]:
                    item.setForeground(dim)
                self.table.setItem(r, c, item)
        shown = min(len(rows), _MAX_TABLE_ROWS)
        height = (self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
                  + shown * self.table.verticalHeader().defaultSectionSize())
        self.table.setFixedHeight(height)
        self.table.show()
