"""Pieces the side panels share: graph subscriptions that follow New/Open, and the look of
captions, dim text, forms and elided read-only fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QColor, QFont, QGuiApplication, QIcon, QPainter, QPixmap, QResizeEvent
from PySide6.QtWidgets import QFormLayout, QLabel, QSizePolicy, QWidget

from ..theme import colors, system_is_dark, verdict_color

if TYPE_CHECKING:
    from ...core.graph import Graph

__all__ = ["LABEL_WIDTH", "ElidedLabel", "GraphSubscription", "caption", "dim_label", "error_label",
           "form_label", "form_layout"]

# Width of the label column of every inspector form, so all sections line up.
LABEL_WIDTH = 108


class GraphSubscription:
    """Callbacks connected to one graph's events at a time (DESIGN rule 4: views subscribe,
    follow the project when it is replaced, and unsubscribe when they go away).

    Args:
        callbacks: Event name (e.g. ``"params_changed"``) → callback.
    """

    def __init__(self, callbacks: dict[str, Callable[..., Any]]) -> None:
        self.callbacks = dict(callbacks)
        self.graph: Graph | None = None

    def attach(self, graph: Graph) -> None:
        """Move every callback to ``graph`` (the project was replaced)."""
        self.detach()
        self.graph = graph
        for event, callback in self.callbacks.items():
            getattr(graph, event).connect(callback)

    def detach(self) -> None:
        """Disconnect every callback (the view is going away)."""
        if self.graph is not None:
            for event, callback in self.callbacks.items():
                getattr(self.graph, event).disconnect(callback)
        self.graph = None


def dim_label(text: str = "", wrap: bool = True) -> QLabel:
    """Secondary text (descriptions, hints) in the theme's dim colour."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setStyleSheet(f"color: {colors(system_is_dark()).text_dim.name()};")
    return label


def error_label() -> QLabel:
    """A hidden, wrapping label for a one-sentence error shown in place."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {verdict_color('error', system_is_dark()).name()};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def caption(title: str) -> QLabel:
    """A section caption: small, bold, upper case, dim, with space above it."""
    label = dim_label(title.upper(), wrap=False)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.85)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setContentsMargins(0, 12, 0, 2)
    return label


def form_layout() -> QFormLayout:
    """A form whose label column is :data:`LABEL_WIDTH` wide (labels wrap)."""
    form = QFormLayout()
    form.setContentsMargins(0, 0, 0, 0)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return form


def form_label(text: str, tooltip: str = "") -> QLabel:
    """A label for :func:`form_layout` rows."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setFixedWidth(LABEL_WIDTH)
    label.setToolTip(tooltip)
    return label


class ElidedLabel(QLabel):
    """A one-line read-only value elided to the width it gets; the full text is in the
    tooltip and its context menu's Copy copies it whole."""

    def __init__(self, mode: Qt.TextElideMode = Qt.TextElideMode.ElideLeft,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy", self)
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(self.full_text))
        self.addAction(copy)

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        """Show ``text``, elided as needed."""
        self.full_text = text
        self.setToolTip(text if tooltip is None else tooltip)
        self._elide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self.full_text, self.mode, max(self.width(), 40)))


def painted_icon(size: int, fill: QColor, paint: Callable[[QPainter, float], None]) -> QIcon:
    """An icon drawn crisp at 1× and 2× device pixel ratios.

    Args:
        size: Width and height in device-independent pixels.
        fill: The brush ``paint`` starts with (no pen, antialiased).
        paint: Draws the icon in a ``size`` × ``size`` square.
    """
    icon = QIcon()
    for ratio in (1.0, 2.0):
        pixmap = QPixmap(QSize(int(size * ratio), int(size * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        paint(painter, float(size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon
