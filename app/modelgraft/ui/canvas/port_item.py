"""A port disc on the edge of a node: where edges start and end.

The node item draws the port's name and spec next to it; the port item itself is only the
disc, its hit area and, while a new edge is dragged, its highlight (compatible green,
incompatible red). It is painted by Qt's C++ ellipse item (pen and brush are set when
the state changes), so a canvas of thousands of ports repaints without calling Python.
Port items emit no signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

if TYPE_CHECKING:
    from .node_item import NodeItem

__all__ = ["PORT_RADIUS", "PortItem"]

PORT_RADIUS = 5.0
_HIT = 9.0  # grab radius: a little larger than the disc, so ports are easy to hit

Highlight = Literal["ok", "warning", "error"] | None


class PortItem(QGraphicsEllipseItem):
    """One input or output port of a node, as a child item of its :class:`NodeItem`.

    Attributes:
        direction: ``"in"`` or ``"out"``.
        index: The port's index among the node's inputs (or outputs).
        name: The port name.
        connected: Whether an edge is attached (drawn filled).
        highlight: While an edge is dragged: the verdict level of connecting here, else ``None``.
        verdict_text: The verdict's message for the current highlight.
    """

    def __init__(self, node: NodeItem, direction: str, index: int, name: str, connected: bool,
                 tooltip: str) -> None:
        super().__init__(QRectF(-PORT_RADIUS, -PORT_RADIUS, 2 * PORT_RADIUS, 2 * PORT_RADIUS), node)
        self.direction = direction
        self.index = index
        self.name = name
        self.connected = connected
        self.highlight: Highlight = None
        self.verdict_text = ""
        self._tooltip = tooltip
        self.setToolTip(tooltip)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.restyle()

    @property
    def node_item(self) -> NodeItem:
        """The node item this port belongs to."""
        return self.parentItem()  # type: ignore[return-value]

    def scene_center(self) -> QPointF:
        """The centre of the disc in scene coordinates (where edges attach)."""
        return self.mapToScene(QPointF(0.0, 0.0))

    def hit(self, scene_pos: QPointF) -> bool:
        """Whether ``scene_pos`` is within the grab radius of this port."""
        d = scene_pos - self.scene_center()
        return d.x() * d.x() + d.y() * d.y() <= _HIT * _HIT

    def set_highlight(self, level: Highlight, text: str = "") -> None:
        """Show (or clear, with ``None``) the live-check colour while an edge is dragged."""
        if level == self.highlight and text == self.verdict_text:
            return
        self.highlight, self.verdict_text = level, text
        self.setToolTip(text if level in ("error", "warning") else self._tooltip)
        self.restyle()

    def restyle(self) -> None:
        """Set pen and brush from the state and the node's palette."""
        node = self.node_item
        pal = node.palette
        if self.highlight is not None:
            color = pal.compatible if self.highlight == "ok" else pal.verdict[self.highlight]
            halo = QColor(color)
            halo.setAlpha(90)
            self.setPen(QPen(halo, 6.0))
            self.setBrush(color)
            self.setZValue(2.0)
            self.setVisible(True)
            return
        self.setZValue(0.0)
        self.setPen(QPen(node.accent if self.connected else pal.port_border, 1.5))
        self.setBrush(node.accent if self.connected else pal.port)
        self.setVisible(node.detailed)
