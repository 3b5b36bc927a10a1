"""The Runs panel: the project's saved training runs, to compare as overlays and restore.

One row per run, newest first: an "Overlay" check box (draw the run's curves over the live
ones), its id, status, epochs, best loss and what changed since the run before it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ModelGraftError
from ..panels.common import dim_label
from ..theme import FAMILY_COLORS, colors, system_is_dark, verdict_color

if TYPE_CHECKING:
    from ...engine.training.runs import RunInfo

__all__ = ["RunsPanel", "best_value"]

History = dict[str, list[float]]
COLUMNS = ("Overlay", "Run", "Status", "Epochs", "Best", "Changes")
_OVERLAY, _RUN, _STATUS, _EPOCHS, _BEST, _CHANGES = range(len(COLUMNS))
_EMPTY = "No runs yet: runs are saved next to the project file each time you train."
_PADDING = 16
_RESTORE_TIP = "Put this run's best weights back into the models"


def best_value(history: History) -> tuple[str, float, int] | None:
    """The lowest ``val_loss`` (else ``loss``) of a history.

    Returns:
        ``(metric, value, epoch)`` with a 1-based epoch, or ``None`` without a finite value.
    """
    for key in ("val_loss", "loss"):
        values = [(v, i) for i, v in enumerate(history.get(key, [])) if math.isfinite(v)]
        if values:
            value, index = min(values)
            return key, value, index + 1
    return None


class RunsPanel(QWidget):
    """Lists saved runs; overlays and restores are asked for through signals.

    Signals (GUI thread):

    - ``overlay_changed(list)``: the checked run ids changed (in table order, newest first);
      also after a :meth:`refresh` that dropped a checked run.
    - ``restore_requested(str)``: the user clicked "Restore Weights" for this run id.
    - ``refresh_requested()``: the user clicked "Refresh"; answer with :meth:`refresh`.

    Args:
        history: Loads a run's per-epoch history by id (``train_api.load_history`` bound to
            the project). Called once per run id and epoch count.
        parent: The parent widget.

    Attributes:
        table: The runs table.
        restore_button: "Restore Weights".
        refresh_button: "Refresh".
    """

    overlay_changed = Signal(list)
    restore_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, history: Callable[[str], History], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._load = history
        self._cache: dict[tuple[str, int], History] = {}
        self._runs: list[RunInfo] = []
        self._busy = False
        self._filling = False
        self._dark = system_is_dark()

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("runs_table")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeaderItem(_OVERLAY).setToolTip("Draw the run's curves over the live ones")
        self.table.horizontalHeaderItem(_BEST).setToolTip("Lowest validation loss (else training loss)")
        for column in (_EPOCHS, _BEST):
            self.table.horizontalHeaderItem(column).setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.empty = dim_label(_EMPTY)
        self.empty.setObjectName("runs_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setContentsMargins(16, 16, 16, 16)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.stack.setCurrentWidget(self.empty)

        self.restore_button = QPushButton("Restore Weights")
        self.restore_button.setToolTip(_RESTORE_TIP)
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self._restore)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read the runs folder again")
        self.refresh_button.clicked.connect(self.refresh_requested)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(6, 6, 6, 6)
        buttons.addWidget(self.restore_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

    # ------------------------------------------------------------------ public API

    def refresh(self, runs: list[RunInfo]) -> None:
        """Show these runs (any order; the table lists the newest first), keeping the
        checked overlays and the selection of runs that are still there."""
        before = self.checked()
        selected = self.selected()
        newest_first = sorted(range(len(runs)), key=lambda i: (runs[i].started, i), reverse=True)
        self._runs = [runs[i] for i in newest_first]
        self._filling = True
        self.table.setRowCount(0)
        self.table.setRowCount(len(self._runs))
        for row, run in enumerate(self._runs):
            self._fill_row(row, run, run.id in before)
        self._filling = False
        for row, run in enumerate(self._runs):
            if run.id == selected:
                self.table.selectRow(row)
        self.table.resizeColumnsToContents()
        for column in range(_CHANGES):  # room to breathe; the user may resize them
            self.table.setColumnWidth(column, self.table.columnWidth(column) + _PADDING)
        self.stack.setCurrentWidget(self.table if self._runs else self.empty)
        self._update_buttons()
        if self.checked() != before:
            self.overlay_changed.emit(self.checked())

    def set_dark(self, dark: bool) -> None:
        """Follow the light or dark appearance (status colours, dim text)."""
        self._dark = dark
        self.empty.setStyleSheet(f"color: {colors(dark).text_dim.name()};")
        for row, run in enumerate(self._runs):
            self._color_status(self.table.item(row, _STATUS), run.status)

    def set_busy(self, busy: bool) -> None:
        """While a run trains, "Restore Weights" is disabled."""
        self._busy = busy
        self._update_buttons()

    def checked(self) -> list[str]:
        """The ids of the runs checked as overlays, in table order."""
        return [run.id for row, run in enumerate(self._runs)
                if self.table.item(row, _OVERLAY).checkState() == Qt.CheckState.Checked]

    def selected(self) -> str | None:
        """The id of the selected run, if one is selected."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return self._runs[rows.pop()].id if len(rows) == 1 else None

    def history(self, run_id: str) -> History:
        """A listed run's per-epoch history (loaded once per run and epoch count; empty if
        it cannot be read or the run is not listed)."""
        run = next((r for r in self._runs if r.id == run_id), None)
        if run is None:
            return {}
        key = (run.id, run.epochs)
        if key not in self._cache:
            try:
                self._cache[key] = self._load(run.id)
            except (ModelGraftError, OSError, ValueError):
                self._cache[key] = {}
        return self._cache[key]

    # ------------------------------------------------------------------ rows

    def _fill_row(self, row: int, run: RunInfo, checked: bool) -> None:
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
        check.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        check.setToolTip(f"Draw the curves of run {run.id} over the live ones")
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.started))
        cells = {
            _OVERLAY: check,
            _RUN: _item(run.id, f"Started {started}\n{run.folder}"),
            _STATUS: _item(run.status, f"Failed: {run.message}" if run.message else ""),
            _EPOCHS: _item(str(run.epochs), "", numeric=True),
            _BEST: self._best_item(run),
            _CHANGES: self._changes_item(run),
        }
        self._color_status(cells[_STATUS], run.status)
        for column, item in cells.items():
            self.table.setItem(row, column, item)

    def _color_status(self, item: QTableWidgetItem, status: str) -> None:
        """Failed in the error colour, stopped in the warning colour, running in blue."""
        if status in ("failed", "stopped"):
            item.setForeground(verdict_color("error" if status == "failed" else "warning", self._dark))
        elif status == "running":
            item.setForeground(QColor(FAMILY_COLORS["io"]))
        else:
            item.setData(Qt.ItemDataRole.ForegroundRole, None)

    def _best_item(self, run: RunInfo) -> QTableWidgetItem:
        best = best_value(self.history(run.id))
        if best is None:
            return _item("—", "No finished epoch", numeric=True)
        key, value, epoch = best
        return _item(f"{value:.4g}", f"Lowest {key}: {value:.6g} (epoch {epoch})", numeric=True)

    @staticmethod
    def _changes_item(run: RunInfo) -> QTableWidgetItem:
        changes = list(run.changes)
        text = changes[0] if changes else "—"
        if len(changes) > 1:
            text += f" (+{len(changes) - 1} more)"
        tip = "\n".join(f"• {change}" for change in changes)
        if run.message:
            tip += f"\n\nFailed: {run.message}"
        return _item(text, tip.strip())

    # ------------------------------------------------------------------ reactions

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if not self._filling and item.column() == _OVERLAY:
            self.overlay_changed.emit(self.checked())

    def _update_buttons(self) -> None:
        run_id = self.selected()
        run = next((r for r in self._runs if r.id == run_id), None)
        if self._busy:
            tip = "Not while a run trains"
        elif run is not None and not run.has_weights:
            tip = f"Run {run.id} saved no weights (it stopped before its first epoch ended)"
        else:
            tip = _RESTORE_TIP
        self.restore_button.setEnabled(run is not None and run.has_weights and not self._busy)
        self.restore_button.setToolTip(tip)

    def _restore(self) -> None:
        run_id = self.selected()
        if run_id is not None:
            self.restore_requested.emit(run_id)


def _item(text: str, tooltip: str, numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(tooltip)
    if numeric:
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    return item
