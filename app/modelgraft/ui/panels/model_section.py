"""The inspector's part for ``model`` nodes: file, hash, endpoint, counts and layer table.

The layer summary needs the loaded Keras model, so it is read on the engine thread through
the bridge (:class:`LayerSummaries`); the table shows "loading…" meanwhile and the GUI never
waits.

Signals (GUI thread):

- ``LayerSummaries.ready(tuple, object)``: rows (a list of dicts) arrived for a key, or the
  message (a ``str``) of why they could not be read.
- ``ModelInfo.endpoint_chosen(str)``: the user picked another SavedModel endpoint.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ModelGraftError
from ...engine.summary import layer_summary
from ..theme import colors, system_is_dark
from .common import ElidedLabel, dim_label, form_label, form_layout

if TYPE_CHECKING:
    from ...core.elements import Node
    from ..document import Document

__all__ = ["LayerSummaries", "LayerTable", "ModelInfo", "summary_key"]

_FORMATS = {"keras": "Keras (.keras)", "h5": "Legacy HDF5 (.h5)", "savedmodel": "SavedModel"}
_MAX_TABLE_ROWS = 12


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
    """File path, SHA-256, format, SavedModel endpoint and parameter counts of a model node."""

    endpoint_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        form.addRow(form_label("File", "The model file or SavedModel folder"), self.path)
        form.addRow(form_label("SHA-256", "Hash of the file when it was added"), self.sha)
        form.addRow(form_label("Format"), self.format)
        form.addRow(form_label("Endpoint"), self.endpoint)
        form.addRow(form_label("Weights", "Parameters of the model; frozen ones are not trained"),
                    self.counts)

    def show_node(self, node: Node) -> None:
        """Show the node's current file, hash, format, endpoint and counts."""
        params, sig = node.params, node.params["signature"] or {}
        path = str(params["path"])
        self.path.set_full_text(path, path if os.path.exists(path) else f"{path}\n(missing)")
        self.sha.set_full_text(params.get("sha256") or "—")
        self.format.setText(_FORMATS.get(sig.get("format", ""), sig.get("format") or "unknown"))
        endpoints = list(sig.get("endpoints") or [])
        form: QFormLayout = self.layout()  # type: ignore[assignment]
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
