"""The palette: every node kind by family, searchable, dragged onto the canvas.

A dragged item carries :data:`KIND_MIME` with the kind name (UTF-8) as payload; the canvas
accepts that drop. Models are not a kind to pick: they come from files, so the palette
offers "Model file…" instead, which asks the window to import one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...nodes import CATALOG
from ..theme import FAMILY_ICONS, FAMILY_TITLES, family_color, system_is_dark
from .common import dim_label, painted_icon

if TYPE_CHECKING:
    from ..document import Document

__all__ = ["IMPORT_ITEM", "KIND_MIME", "PalettePanel", "family_icon", "kind_mime_data"]

KIND_MIME = "application/x-modelgraft-kind"
# The data of the "Model file…" entry (not a kind: it opens a file dialog).
IMPORT_ITEM = "@import"
_FAMILIES = ("io", "adapter", "merge")
_KIND_ROLE = Qt.ItemDataRole.UserRole
_NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # title and kind name, lower case
_DOC_ROLE = Qt.ItemDataRole.UserRole + 3  # the description's words, lower case
_FAMILY_ROLE = Qt.ItemDataRole.UserRole + 2


def kind_mime_data(kind: str) -> QMimeData:
    """The drag payload of one node kind."""
    data = QMimeData()
    data.setData(KIND_MIME, kind.encode("utf-8"))
    data.setText(kind)
    return data


def family_icon(family: str, dark: bool = False, size: int = 18) -> QIcon:
    """A rounded swatch in the family's colour with its glyph, as on the canvas."""

    def paint(painter: QPainter, s: float) -> None:
        rect = QRectF(1, 1, s - 2, s - 2)
        painter.drawRoundedRect(rect, 4, 4)
        font = QFont()
        font.setPixelSize(int(s * 0.62))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, FAMILY_ICONS.get(family, ""))

    return painted_icon(size, family_color(family, dark), paint)


class _KindTree(QTreeWidget):
    """The tree of kinds; dragging an item carries its kind, Enter activates it."""

    def mimeTypes(self) -> list[str]:
        return [KIND_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        kinds = [i.data(0, _KIND_ROLE) for i in items if i.data(0, _KIND_ROLE) not in (None, IMPORT_ITEM)]
        return kind_mime_data(kinds[0]) if kinds else QMimeData()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self.itemActivated.emit(self.currentItem(), 0)
            return
        super().keyPressEvent(event)


class PalettePanel(QWidget):
    """Every node kind by family, filtered by a search field.

    Signals (GUI thread):

    - ``add_requested(str)``: the user double-clicked a kind or pressed Enter on it (or in
      the search field, for the first match); the window adds it at the view centre.
    - ``import_requested()``: the user picked "Model file…"; the window opens a file dialog.
    """

    add_requested = Signal(str)
    import_requested = Signal()

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.search = QLineEdit()
        self.search.setObjectName("palette_search")
        self.search.setPlaceholderText("Search nodes…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filter by name or description. Enter adds the first match, "
                               "Esc clears, ↓ moves to the list.")
        self.search.textChanged.connect(self.filter)
        self.search.installEventFilter(self)

        self.tree = _KindTree()
        self.tree.setObjectName("palette_tree")
        self.tree.setHeaderHidden(True)
        self.tree.setIndentation(12)
        self.tree.setIconSize(QSize(18, 18))
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemActivated.connect(lambda item, _col: self._activate(item))
        self.tree.setStyleSheet("QTreeWidget::item { padding: 3px 0px; }")

        self.no_match = dim_label("No node kind matches.")
        self.no_match.setObjectName("palette_no_match")
        self.no_match.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_match.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.no_match)
        layout.addStretch(0)
        self._fill()

    def _fill(self) -> None:
        dark = system_is_dark()
        bold = QFont(self.font())
        bold.setBold(True)
        for family in _FAMILIES:
            self._add_group(family, bold, [
                (k.title, k.name, k.doc) for k in CATALOG.kinds(family) if k.name != "model"])
        model_doc = ("Add a trained model: a .keras or .h5 file, or a SavedModel folder. "
                     "You can also drop model files on the canvas.")
        self._add_group("model", bold, [("Model file…", IMPORT_ITEM, model_doc)])
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                item = group.child(j)
                item.setIcon(0, family_icon(item.data(0, _FAMILY_ROLE), dark))
        self.tree.expandAll()

    def _add_group(self, family: str, font: QFont, entries: list[tuple[str, str, str]]) -> None:
        group = QTreeWidgetItem([FAMILY_TITLES.get(family, family)])
        group.setFont(0, font)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.tree.addTopLevelItem(group)
        for title, kind, doc in entries:
            item = QTreeWidgetItem([title])
            item.setData(0, _KIND_ROLE, kind)
            item.setData(0, _NAME_ROLE, f"{title} {kind}".lower())
            item.setData(0, _DOC_ROLE, f" {' '.join(re.findall(r'[a-z0-9]+', doc.lower()))} ")
            item.setData(0, _FAMILY_ROLE, family)
            shown = kind if kind != IMPORT_ITEM else "model"
            item.setToolTip(0, f"<b>{title}</b> <span style='color:gray'>({shown})</span>"
                               f"<p style='white-space:normal'>{doc}</p>")
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if kind != IMPORT_ITEM:
                flags |= Qt.ItemFlag.ItemIsDragEnabled
            item.setFlags(flags)
            group.addChild(item)

    # ------------------------------------------------------------------ public

    def mime_data(self, kind: str) -> QMimeData:
        """The drag payload of a kind (what dragging its item carries)."""
        return kind_mime_data(kind)

    def visible_kinds(self) -> list[str]:
        """The kinds the filter currently shows, in order (``"@import"`` for "Model file…")."""
        return [item.data(0, _KIND_ROLE) for item in self._items() if not item.isHidden()]

    def item(self, kind: str) -> QTreeWidgetItem:
        """The tree item of a kind (``IMPORT_ITEM`` for "Model file…")."""
        return next(i for i in self._items() if i.data(0, _KIND_ROLE) == kind)

    def filter(self, text: str) -> None:
        """Show only kinds matching every word of ``text``: a word matches when it is part of
        the kind's title or name, or a whole word of its description ("image" finds Resize
        image and the kinds that mention images; "sha" does not find every "shape")."""
        words = text.lower().split()
        any_shown = False
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                hidden = not all(w in item.data(0, _NAME_ROLE) or f" {w} " in item.data(0, _DOC_ROLE)
                                 for w in words)
                item.setHidden(hidden)
                shown += not hidden
            group.setHidden(shown == 0)
            any_shown |= shown > 0
        self.tree.expandAll()
        self.no_match.setVisible(not any_shown)
        visible = [i for i in self._items() if not i.isHidden()]
        current = self.tree.currentItem()
        if visible and (current is None or current.isHidden()):
            self.tree.setCurrentItem(visible[0])

    # ------------------------------------------------------------------ private

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i).child(j) for i in range(self.tree.topLevelItemCount())
                for j in range(self.tree.topLevelItem(i).childCount())]

    def _activate(self, item: QTreeWidgetItem) -> None:
        kind = item.data(0, _KIND_ROLE)
        if kind == IMPORT_ITEM:
            self.import_requested.emit()
        elif kind is not None:
            self.add_requested.emit(kind)

    def eventFilter(self, watched: object, event: object) -> bool:
        """In the search field: Enter adds the first match, ↓ moves to the list, Esc clears."""
        if watched is self.search and isinstance(event, QKeyEvent) \
                and event.type() == QKeyEvent.Type.KeyPress:
            visible = [i for i in self._items() if not i.isHidden()]
            if event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.search.text() and visible:
                self._activate(visible[0])
                return True
            if event.key() == Qt.Key.Key_Down and visible:
                self.tree.setFocus()
                self.tree.setCurrentItem(visible[0])
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]
