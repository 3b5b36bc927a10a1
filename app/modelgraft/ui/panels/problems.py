"""The Problems panel: every ``check()`` problem of the open project, errors first.

The list is recomputed shortly after the graph changes (a burst of edits, such as an undo
of a paste, recomputes once). A model whose file is missing, unreadable or changed gets its
fixes on its row and in the row's context menu: Relink… (choose the file the node should use
now) and, for a changed file, Accept (record its new hash); each is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
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
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..theme import system_is_dark, verdict_color
from .common import GraphSubscription, dim_label, painted_icon
from .model_section import (
    ACCEPT_TIP,
    RELINK_CODES,
    RELINK_TIP,
    accept_changed_model,
    fix_button,
    relink_model,
)

if TYPE_CHECKING:
    from ...core.problems import Problem
    from ..document import Document

__all__ = ["ProblemsPanel", "severity_icon"]

_EVENTS = ("node_added", "node_removed", "node_renamed", "params_changed", "ports_changed",
           "edge_added", "edge_removed", "spec_changed", "verdict_changed")
_DEBOUNCE_MS = 120
_NODE_ROLE = Qt.ItemDataRole.UserRole
_CODE_ROLE = Qt.ItemDataRole.UserRole + 1
_FIX_COLUMN = 2


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

    Rows of model file problems (:data:`~.model_section.RELINK_CODES`) carry a Relink…
    button (objectName ``relink``) and, for a changed file, an Accept button (``accept``)
    in their last column; the row's context menu offers the same.

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
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Problem", "Node", ""])
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
        header.setSectionResizeMode(_FIX_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
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
            item.setData(0, _CODE_ROLE, problem.code)
            item.setToolTip(0, f"{problem.severity.capitalize()}: {problem.message}")
            item.setToolTip(1, f"Click to show node '{problem.node}'" if problem.node
                            else "A problem of the whole graph")
            if problem.node is None:
                item.setForeground(1, self.palette().color(self.palette().ColorGroup.Disabled,
                                                           self.palette().ColorRole.Text))
            self.tree.addTopLevelItem(item)
            if problem.node and problem.code in RELINK_CODES:
                self.tree.setItemWidget(item, _FIX_COLUMN, self._fixes(problem.node, problem.code))
            if keep == (problem.message, problem.node):
                self.tree.setCurrentItem(item)
        self.stack.setCurrentWidget(self.tree if self.problems else self.empty)
        errors = sum(p.severity == "error" for p in self.problems)
        counts = (errors, len(self.problems) - errors)
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(*counts)

    def relink(self, name: str) -> bool:
        """Relink… of model node ``name``: ask for its file and point the node there."""
        return name in self.doc.graph and relink_model(self.doc, name, self)

    def accept_changed(self, name: str) -> bool:
        """Accept of model node ``name``: record the hash of its changed file."""
        return name in self.doc.graph and accept_changed_model(self.doc, name, self)

    def _fixes(self, name: str, code: str) -> QWidget:
        """The buttons of one row. They act once the click is over: the list is rebuilt
        (and the buttons deleted) while the file dialog is open."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(2)
        if code == "model-changed":
            accept = fix_button("Accept", ACCEPT_TIP, "accept")
            accept.clicked.connect(lambda: QTimer.singleShot(0, self, lambda: self.accept_changed(name)))
            layout.addWidget(accept)
        relink = fix_button("Relink…", RELINK_TIP, "relink")
        relink.clicked.connect(lambda: QTimer.singleShot(0, self, lambda: self.relink(name)))
        layout.addWidget(relink)
        return row

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        name = item.data(0, _NODE_ROLE) if item is not None else None
        if not name:
            return
        code = item.data(0, _CODE_ROLE)
        menu = QMenu(self)
        menu.setObjectName("problem_menu")
        show = menu.addAction("Show Node")
        relink = menu.addAction("Relink…") if code in RELINK_CODES else None
        accept = menu.addAction("Accept Changed File") if code == "model-changed" else None
        chosen = menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()
        if chosen is None:
            return
        if chosen is show and name in self.doc.graph:
            self.node_activated.emit(name)
        elif chosen is relink:
            self.relink(name)
        elif chosen is accept:
            self.accept_changed(name)

    def _changed(self, *_: Any) -> None:
        self.timer.start()

    def _project_replaced(self, project: Any) -> None:
        self._events.attach(project.graph)
        self.refresh()

    def _activate(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, _NODE_ROLE)
        if name and name in self.doc.graph:
            self.node_activated.emit(name)
