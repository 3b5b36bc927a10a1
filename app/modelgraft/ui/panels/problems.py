"""The Problems panel: every ``check()`` problem of the open project, errors first.

The list is recomputed shortly after the graph changes (a burst of edits, such as an undo
of a paste, recomputes once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..theme import system_is_dark, verdict_color
from .common import GraphSubscription, dim_label, painted_icon

if TYPE_CHECKING:
    from ...core.problems import Problem
    from ..document import Document

__all__ = ["ProblemsPanel", "severity_icon"]

_EVENTS = ("node_added", "node_removed", "node_renamed", "params_changed", "ports_changed",
           "edge_added", "edge_removed", "spec_changed", "verdict_changed")
_DEBOUNCE_MS = 120
_NODE_ROLE = Qt.ItemDataRole.UserRole


def severity_icon(severity: str, dark: bool = False, size: int = 16) -> QIcon:
    """A round red "!" for errors, an amber triangle "!" for warnings, drawn crisp at any
    device pixel ratio."""

    def paint(painter: QPainter, s: float) -> None:
        if severity == "error":
            painter.drawEllipse(QRectF(1, 1, s - 2, s - 2))
        else:
            path = QPainterPath(QPointF(s / 2, 1))
            path.lineTo(s - 1, s - 2)
            path.lineTo(1, s - 2)
            path.closeSubpath()
            painter.drawPath(path)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(s * 0.7))
        painter.setFont(font)
        painter.setPen(QColor("white") if severity == "error" else QColor("#1f2430"))
        text_rect = QRectF(0, 1 if severity == "warning" else 0, s, s)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, "!")

    return painted_icon(size, verdict_color(severity, dark), paint)


class _ProblemTree(QTreeWidget):
    """The list; Enter on a problem activates it (like a click)."""

    entered = Signal(QTreeWidgetItem)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.entered.emit(self.currentItem())
            return
        super().keyPressEvent(event)


class ProblemsPanel(QWidget):
    """Lists the project's problems; clicking one asks the window to show its node.

    Signals (GUI thread):

    - ``node_activated(str)``: the user clicked a problem (or pressed Enter on it) that
      names a node; the window selects and centres that node.
    - ``counts_changed(int, int)``: the number of errors and warnings changed.
    """

    node_activated = Signal(str)
    counts_changed = Signal(int, int)

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self._counts = (0, 0)
        self.problems: list[Problem] = []
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(_DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)

        self.tree = _ProblemTree()
        self.tree.setObjectName("problems_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Problem", "Node"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setIconSize(QSize(16, 16))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(lambda item, _col: self._activate(item))
        self.tree.entered.connect(self._activate)

        self.empty = dim_label("✓  No problems")
        self.empty.setObjectName("problems_empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self._events = GraphSubscription({e: self._changed for e in _EVENTS})
        self.destroyed.connect(self._events.detach)
        self._events.attach(doc.graph)
        doc.project_replaced.connect(self._project_replaced)
        doc.loading_changed.connect(self._changed)
        self.refresh()

    def problem_count(self) -> tuple[int, int]:
        """``(errors, warnings)`` as currently listed."""
        return self._counts

    def refresh(self) -> None:
        """Recompute the list now (normally done by the debounce timer)."""
        self.timer.stop()
        self.problems = self.doc.project.check()
        dark = system_is_dark()
        icons = {s: severity_icon(s, dark) for s in ("error", "warning")}
        current = self.tree.currentItem()
        keep = (current.text(0), current.data(0, _NODE_ROLE)) if current is not None else None
        self.tree.clear()
        for problem in self.problems:
            item = QTreeWidgetItem([problem.message, problem.node or "—"])
            item.setIcon(0, icons[problem.severity])
            item.setData(0, _NODE_ROLE, problem.node)
            item.setToolTip(0, f"{problem.severity.capitalize()}: {problem.message}")
            item.setToolTip(1, f"Click to show node '{problem.node}'" if problem.node
                            else "A problem of the whole graph")
            if problem.node is None:
                item.setForeground(1, self.palette().color(self.palette().ColorGroup.Disabled,
                                                           self.palette().ColorRole.Text))
            self.tree.addTopLevelItem(item)
            if keep == (problem.message, problem.node):
                self.tree.setCurrentItem(item)
        self.stack.setCurrentWidget(self.tree if self.problems else self.empty)
        errors = sum(p.severity == "error" for p in self.problems)
        counts = (errors, len(self.problems) - errors)
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(*counts)

    def _changed(self, *_: Any) -> None:
        self.timer.start()

    def _project_replaced(self, project: Any) -> None:
        self._events.attach(project.graph)
        self.refresh()

    def _activate(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, _NODE_ROLE)
        if name and name in self.doc.graph:
            self.node_activated.emit(name)
