"""Edges on the canvas: cubic curves from an output port to an input port, coloured by the
edge's verdict, and the rubber edge drawn while the user drags a new connection.

Edge items emit no signals; the scene updates them from the graph's ``verdict_changed``
and ``spec_changed`` events and when nodes move (GUI thread).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...core.elements import Edge
from ..commands import EdgeRef
from ..theme import Palette

__all__ = ["DragEdgeItem", "EdgeItem", "VerdictLabel", "curve"]

_WIDTH = 2.0


def curve(a: QPointF, b: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic curve from ``a`` (an output) to ``b`` (an input)."""
    dx = max(abs(b.x() - a.x()) * 0.5, 40.0)
    if b.x() < a.x():  # a backward edge: swing wide enough to go around the nodes
        dx = max(dx, min(abs(b.y() - a.y()), 200.0) * 0.6 + 40.0)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class EdgeItem(QGraphicsPathItem):
    """One edge of the graph, painted by Qt's C++ path item (no Python call per repaint).

    Edges have their own selection state (:attr:`selected`), kept by the scene: Qt's
    selection would make the C++ item draw a dashed bounding box.

    Attributes:
        edge: The graph's edge (its ports give names and specs).
        verdict_level: ``"ok"``, ``"warning"`` or ``"error"``, as last synced.
        selected: Whether the edge is selected (drawn in the selection colour).
    """

    def __init__(self, edge: Edge, palette: Palette) -> None:
        super().__init__()
        self.edge = edge
        self.verdict_level = "ok"
        self.palette = palette
        self.selected = False
        self._hover = False
        self._shape = QPainterPath()
        self.setZValue(-1.0)
        self.setAcceptHoverEvents(True)
        self.sync()

    @property
    def ref(self) -> EdgeRef:
        """The edge by names (current even after a rename)."""
        return EdgeRef.of(self.edge)

    @property
    def color(self) -> QColor:
        """The colour of the edge's verdict (what the pen shows unless selected)."""
        return self.palette.verdict[self.verdict_level]

    def sync(self) -> None:
        """Take the edge's current verdict and spec (colour and tooltip)."""
        verdict = self.edge.verdict
        self.verdict_level = verdict.level
        spec = self.edge.src.spec
        tip = f"{self.edge.src.label} → {self.edge.dst.label}\n{'…' if spec is None else spec}"
        if verdict.level != "ok":
            tip += f"\n{verdict.level}: {verdict.message}"
        self.setToolTip(tip)
        self._restyle()

    def set_palette(self, palette: Palette) -> None:
        """Use other colours (light/dark switch)."""
        self.palette = palette
        self._restyle()

    def set_selected(self, selected: bool) -> None:
        """Select or deselect the edge."""
        if selected != self.selected:
            self.selected = selected
            self._restyle()

    def _restyle(self) -> None:
        width = _WIDTH + (1.0 if self.selected else 0.0) + (1.5 if self._hover else 0.0)
        pen = QPen(self.palette.selection if self.selected else self.color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        """Route the curve between two scene points."""
        path = curve(a, b)
        self.setPath(path)
        stroker = QPainterPathStroker()
        stroker.setWidth(10.0)
        self._shape = stroker.createStroke(path)

    def shape(self) -> QPainterPath:
        return self._shape

    def hoverEnterEvent(self, event: object) -> None:
        self._hover = True
        self._restyle()

    def hoverLeaveEvent(self, event: object) -> None:
        self._hover = False
        self._restyle()


class DragEdgeItem(QGraphicsPathItem):
    """The dashed curve following the cursor while a new edge is dragged."""

    def __init__(self, palette: Palette) -> None:
        super().__init__()
        self.setZValue(10.0)
        pen = QPen(palette.text_dim, _WIDTH, Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        self.setPen(pen)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_ends(self, a: QPointF, b: QPointF, color: QColor | None = None) -> None:
        """Route the curve from output point ``a`` to input point ``b``."""
        if color is not None and color != self.pen().color():
            pen = self.pen()
            pen.setColor(color)
            self.setPen(pen)
        self.setPath(curve(a, b))


class VerdictLabel(QGraphicsSimpleTextItem):
    """The verdict text shown near the cursor while hovering a port during an edge drag."""

    def __init__(self, palette: Palette) -> None:
        super().__init__()
        self.palette = palette
        self.setZValue(20.0)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.hide()

    def show_text(self, text: str, color: QColor, scene_pos: QPointF) -> None:
        """Show ``text`` in ``color`` just below-right of ``scene_pos``."""
        self.setText(text)
        self.setBrush(color)
        self.setPos(scene_pos + QPointF(14.0, 14.0))
        self.show()

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-6, -4, 6, 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setPen(QPen(self.palette.node_border, 1.0))
        painter.setBrush(self.palette.tooltip_bg)
        painter.drawRoundedRect(self.boundingRect(), 4, 4)
        super().paint(painter, option, widget)
