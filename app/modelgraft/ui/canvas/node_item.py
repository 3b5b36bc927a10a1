"""How one node looks on the canvas: title bar in its family colour, ports with their specs,
parameter count, frozen badge, loading spinner and problem outline.

Everything painted is laid out in :meth:`NodeItem.sync` (text as ``QStaticText``, paths
precomputed), so :meth:`NodeItem.paint` only draws: a repaint of a thousand nodes never
asks the graph anything. Node items emit no signals; the scene listens to the graph and
calls :meth:`sync`, :meth:`set_loading` and :meth:`advance_spinner` (GUI thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ...core.elements import Node
from ...nodes.base import get_kind
from ..theme import FAMILY_ICONS, Palette
from .port_item import PortItem

__all__ = ["NodeItem", "format_count"]

_MIN_W, _MAX_W = 170.0, 360.0
_TITLE_H, _META_H, _ROW_H = 28.0, 22.0, 22.0
_PAD, _RADIUS = 12.0, 6.0
_LOW_LOD = 0.4  # below this zoom, nodes are drawn as plain blocks (no text)


def format_count(n: int) -> str:
    """A parameter count for a badge: ``368``, ``12.4k``, ``23.6M``."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k".replace(".0k", "k")
    return f"{n / 1_000_000:.1f}M".replace(".0M", "M")


class _Fonts:
    """The fonts of node items, made once the application exists."""

    title: QFont
    small: QFont
    mono: QFont
    ready = False

    @classmethod
    def get(cls) -> type[_Fonts]:
        if not cls.ready:
            cls.title = QFont()
            cls.title.setPointSizeF(10.0)
            cls.title.setBold(True)
            cls.small = QFont()
            cls.small.setPointSizeF(9.0)
            cls.mono = QFont("DejaVu Sans Mono")
            cls.mono.setStyleHint(QFont.StyleHint.Monospace)
            cls.mono.setPointSizeF(8.5)
            cls.ready = True
        return cls


@dataclass
class _Text:
    """A prepared piece of text and where it goes."""

    text: QStaticText
    pos: QPointF
    role: str  # "title", "title_dim", "text", "dim", "badge"


def _static(text: str, font: QFont) -> QStaticText:
    st = QStaticText(text)
    st.setTextFormat(Qt.TextFormat.PlainText)
    st.prepare(QTransform(), font)
    return st


def _elide(text: str, font: QFont, width: float) -> str:
    return QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideMiddle, width)


class NodeItem(QGraphicsItem):
    """One graph node. Its position is the node's ``position`` (top-left corner).

    Attributes:
        name: The node's name (kept current by the scene on renames).
        kind: The node kind.
        family: The kind's family (``io``, ``model``, ``adapter``, ``merge``).
        palette: The colours in use (set by the scene).
        accent: The family colour.
        loading: Whether the engine is loading this node's model.
        detailed: Whether port discs are shown (the scene hides them when zoomed far out).
        problem: Why the node's shape rule failed, if it did.
    """

    def __init__(self, node: Node, palette: Palette, loading: bool = False) -> None:
        super().__init__()
        self.name = node.name
        self.kind = node.kind
        kind = get_kind(node.kind)
        self.family = kind.family
        self.kind_title = kind.title
        self.palette = palette
        self.accent = palette.family_color(self.family)
        self.loading = loading
        self.detailed = True
        self.problem: str | None = None
        self.spinner_angle = 0
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self._texts: list[_Text] = []
        self._rect = QRectF()
        self._title_path = QPainterPath()
        self._badge = QRectF()
        self._spinner = QRectF()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setPos(QPointF(*node.position))
        self.sync(node)

    # ------------------------------------------------------------------ state

    def port_item(self, direction: str, name: str) -> PortItem:
        """The port item with this direction (``"in"``/``"out"``) and name.

        Raises:
            KeyError: the node has no such port.
        """
        for port in self.inputs if direction == "in" else self.outputs:
            if port.name == name:
                return port
        raise KeyError(f"node '{self.name}' has no {direction}put port '{name}'")

    def port_at(self, direction: str, index: int) -> PortItem:
        """The port item by direction and index."""
        return (self.inputs if direction == "in" else self.outputs)[index]

    def set_palette(self, palette: Palette) -> None:
        """Use other colours (light/dark switch)."""
        self.palette = palette
        self.accent = palette.family_color(self.family)
        self.update()
        for port in self.inputs + self.outputs:
            port.restyle()

    def set_detailed(self, detailed: bool) -> None:
        """Show the port discs (zoomed in) or hide them (zoomed far out, where they would
        be smaller than a pixel and only cost painting time)."""
        if detailed != self.detailed:
            self.detailed = detailed
            for port in self.inputs + self.outputs:
                port.restyle()

    def set_loading(self, loading: bool) -> None:
        """Show or hide the loading spinner."""
        if loading != self.loading:
            self.loading = loading
            self.update()

    def advance_spinner(self) -> None:
        """Turn the spinner one step (the scene's timer calls this while loading)."""
        self.spinner_angle = (self.spinner_angle + 30) % 360
        self.update(self._spinner.adjusted(-2, -2, 2, 2))

    # ------------------------------------------------------------------ layout

    def sync(self, node: Node) -> None:
        """Lay the node out again from the graph's current state (name, params, ports, specs)."""
        self.prepareGeometryChange()
        self.name = node.name
        self.problem = node.problem
        fonts = _Fonts.get()
        mono, small = QFontMetricsF(fonts.mono), QFontMetricsF(fonts.small)
        ins = [(p.name, _spec_text(p.spec), bool(p.edges)) for p in node.inputs]
        outs = [(p.name, _spec_text(p.spec), bool(p.edges)) for p in node.outputs]
        meta = self._meta(node.params) if self.family == "model" else None

        glyph = FAMILY_ICONS.get(self.family, "•")
        title_w = (QFontMetricsF(fonts.title).horizontalAdvance(f"{glyph}  {self.name}")
                   + small.horizontalAdvance(self.kind_title) + 3 * _PAD)
        rows_w = max([small.horizontalAdvance(n) + mono.horizontalAdvance(s) + 2 * _PAD + 18
                      for n, s, _ in ins + outs] or [0.0])
        width = min(_MAX_W, max(_MIN_W, title_w, rows_w))
        if meta is not None:
            width = max(width, small.horizontalAdvance(meta[0]) + 110)

        texts: list[_Text] = []
        title = _elide(f"{glyph}  {self.name}", fonts.title,
                       width - small.horizontalAdvance(self.kind_title) - 3 * _PAD)
        texts.append(_Text(_static(title, fonts.title),
                           QPointF(_PAD, (_TITLE_H - QFontMetricsF(fonts.title).height()) / 2), "title"))
        texts.append(_Text(_static(self.kind_title, fonts.small),
                           QPointF(width - _PAD - small.horizontalAdvance(self.kind_title),
                                   (_TITLE_H - small.height()) / 2), "title_dim"))
        y = _TITLE_H
        self._badge = QRectF()
        self._spinner = QRectF()
        if meta is not None:
            label, frozen = meta
            texts.append(_Text(_static(label, fonts.small),
                               QPointF(_PAD, y + (_META_H - small.height()) / 2 + 2), "dim"))
            if frozen:
                bw = small.horizontalAdvance("frozen") + 12
                self._badge = QRectF(width - _PAD - bw - 20, y + 5, bw, _META_H - 6)
                texts.append(_Text(_static("frozen", fonts.small),
                                   QPointF(self._badge.x() + 6, self._badge.y()
                                           + (self._badge.height() - small.height()) / 2), "badge"))
            self._spinner = QRectF(width - _PAD - 12, y + 7, 12, 12)
            y += _META_H
        y += 4
        self._layout_ports(ins, outs, y, width, texts)
        rows = len(ins) + len(outs)
        height = y + rows * _ROW_H + (6 if rows else 2)
        self._rect = QRectF(0, 0, width, height)
        self._texts = texts
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, width, _TITLE_H + _RADIUS), _RADIUS, _RADIUS)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, width, _TITLE_H))
        self._title_path = path.intersected(clip)
        self.setToolTip(self._tooltip(node))
        self.update()

    def _meta(self, params: dict[str, Any]) -> tuple[str, bool]:
        signature = params.get("signature") or {}
        counts = signature.get("params")
        fmt = {"keras": ".keras", "h5": ".h5", "savedmodel": "SavedModel"}.get(signature.get("format"), "")
        if counts:
            total, trainable = counts.get("total", 0), counts.get("trainable", 0)
            label = f"{format_count(total)} params"
            if trainable and trainable != total:
                label += f" · {format_count(trainable)} trainable"
        else:
            label = "loading…" if self.loading else "params …"
        return (f"{fmt} · {label}" if fmt else label), not params.get("trainable", True)

    def _layout_ports(self, ins: list[tuple[str, str, bool]], outs: list[tuple[str, str, bool]],
                      y: float, width: float, texts: list[_Text]) -> None:
        fonts = _Fonts.get()
        mono, small = QFontMetricsF(fonts.mono), QFontMetricsF(fonts.small)
        for port in self.inputs + self.outputs:
            port.setParentItem(None)
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.inputs, self.outputs = [], []
        for direction, rows in (("in", ins), ("out", outs)):
            for i, (name, spec, connected) in enumerate(rows):
                port = PortItem(self, direction, i, name, connected, f"{name}: {spec}")
                cy = y + _ROW_H / 2
                port.setPos(0.0 if direction == "in" else width, cy)
                name_w = small.horizontalAdvance(name)
                spec = _elide(spec, fonts.mono, max(40.0, width - name_w - 2 * _PAD - 14))
                spec_w = mono.horizontalAdvance(spec)
                ty, my = cy - small.height() / 2, cy - mono.height() / 2
                if direction == "in":
                    texts.append(_Text(_static(name, fonts.small), QPointF(_PAD, ty), "text"))
                    texts.append(_Text(_static(spec, fonts.mono),
                                       QPointF(width - _PAD - spec_w, my), "dim"))
                    self.inputs.append(port)
                else:
                    texts.append(_Text(_static(spec, fonts.mono), QPointF(_PAD, my), "dim"))
                    texts.append(_Text(_static(name, fonts.small),
                                       QPointF(width - _PAD - name_w, ty), "text"))
                    self.outputs.append(port)
                y += _ROW_H

    def _tooltip(self, node: Node) -> str:
        if node.problem:
            return node.problem
        if self.family == "model":
            return f"{self.name}: {node.params.get('path', '')}"
        return f"{self.name} ({self.kind_title})"

    # ------------------------------------------------------------------ painting

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-3, -3, 3, 5)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self._rect, _RADIUS, _RADIUS)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pal = self.palette
        lod = option.levelOfDetailFromTransform(painter.worldTransform())  # type: ignore[attr-defined]
        rect = self._rect
        if self.isSelected():
            outline = QPen(pal.selection, 2.5)
        elif self.problem:
            outline = QPen(pal.verdict["error"], 2.0)
        else:
            outline = QPen(pal.node_border, 1.0)
        if lod < _LOW_LOD:
            painter.setPen(outline if outline.color() != pal.node_border else Qt.PenStyle.NoPen)
            painter.setBrush(pal.node_body)
            painter.drawRect(rect)
            painter.fillRect(QRectF(0, 0, rect.width(), _TITLE_H), self.accent)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(pal.node_shadow)
        painter.drawRoundedRect(rect.translated(0, 2), _RADIUS, _RADIUS)
        painter.setBrush(pal.node_body)
        painter.drawRoundedRect(rect, _RADIUS, _RADIUS)
        painter.fillPath(self._title_path, self.accent)
        if not self._badge.isNull():
            painter.setBrush(pal.badge)
            painter.drawRoundedRect(self._badge, 4, 4)
        colors = {"title": QColor("#ffffff"), "title_dim": QColor(255, 255, 255, 200),
                  "text": pal.text, "dim": pal.text_dim, "badge": pal.badge_text}
        for t in self._texts:
            painter.setPen(colors[t.role])
            painter.drawStaticText(t.pos, t.text)
        if self.loading and not self._spinner.isNull():
            painter.setPen(QPen(self.accent, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawArc(self._spinner, -self.spinner_angle * 16, 270 * 16)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(outline)
        painter.drawRoundedRect(rect, _RADIUS, _RADIUS)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        scene = self.scene()
        if scene is not None:
            if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
                return scene.snap_position(self, value)  # type: ignore[attr-defined]
            if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
                scene.node_item_moved(self)  # type: ignore[attr-defined]
        return super().itemChange(change, value)


def _spec_text(spec: Any) -> str:
    return "…" if spec is None else str(spec)

