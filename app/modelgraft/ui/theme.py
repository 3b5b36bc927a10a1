"""Colours of the workbench: one light and one dark palette, node families and verdict levels.

Every view (canvas, panels, plots) takes its colours from :func:`colors` so the app looks
the same everywhere; nothing here depends on a widget. Colours are ``QColor`` objects.

Example::

    pal = colors(dark=True)
    pen = QPen(pal.verdict["error"], 2)
    brush = QBrush(pal.family["adapter"])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QGuiApplication, QPalette

__all__ = [
    "FAMILY_COLORS",
    "FAMILY_ICONS",
    "FAMILY_TITLES",
    "VERDICT_COLORS",
    "Palette",
    "colors",
    "family_color",
    "system_is_dark",
    "verdict_color",
]

# Accent colour of each node family (title bar, palette swatch); readable on both palettes.
FAMILY_COLORS: dict[str, str] = {
    "io": "#3d8fd6",       # blue: where data enters and leaves
    "model": "#8e5bd0",    # violet: trained models
    "adapter": "#d9892b",  # amber: reshaping/casting glue
    "merge": "#2ea58a",    # teal: joins
}

# One short glyph per family, drawn in the node's title bar and usable as a palette icon.
FAMILY_ICONS: dict[str, str] = {"io": "⇥", "model": "◆", "adapter": "⚙", "merge": "⋈"}

# How the palette names the families.
FAMILY_TITLES: dict[str, str] = {
    "io": "Inputs / Outputs",
    "model": "Models",
    "adapter": "Adapters",
    "merge": "Merges",
}

# Verdict level → colour (edges, port highlights, Problems panel icons).
VERDICT_COLORS: dict[bool, dict[str, str]] = {
    False: {"ok": "#7a8594", "warning": "#c98a00", "error": "#d93b3b"},
    True: {"ok": "#8f9aab", "warning": "#e0a526", "error": "#ff5c5c"},
}


@dataclass(frozen=True)
class Palette:
    """The colours of one appearance (light or dark).

    Attributes:
        dark: Whether this is the dark palette.
        canvas: Canvas background.
        grid_minor: Minor grid lines (every 20 px).
        grid_major: Major grid lines (every 100 px).
        node_body: Node body fill.
        node_border: Node outline when not selected.
        node_shadow: The soft drop shadow under nodes.
        selection: Outline of selected nodes and edges, rubber band.
        text: Main text (node titles, port names).
        text_dim: Secondary text (specs, parameter counts).
        port: Port disc fill.
        port_border: Port disc outline.
        compatible: Highlight of a compatible target port while dragging an edge.
        incompatible: Highlight of an incompatible target port while dragging an edge.
        badge: Badge fill (e.g. "frozen").
        badge_text: Badge text.
        tooltip_bg: Background of the floating verdict text near the cursor.
        family: Family name → accent colour.
        verdict: Verdict level → colour (``ok``, ``warning``, ``error``).
    """

    dark: bool
    canvas: QColor
    grid_minor: QColor
    grid_major: QColor
    node_body: QColor
    node_border: QColor
    node_shadow: QColor
    selection: QColor
    text: QColor
    text_dim: QColor
    port: QColor
    port_border: QColor
    compatible: QColor
    incompatible: QColor
    badge: QColor
    badge_text: QColor
    tooltip_bg: QColor
    family: dict[str, QColor] = field(default_factory=dict)
    verdict: dict[str, QColor] = field(default_factory=dict)

    def family_color(self, family: str) -> QColor:
        """The accent colour of a node family (grey for unknown families)."""
        return self.family.get(family, self.text_dim)


def _palette(dark: bool) -> Palette:
    c = QColor
    family = {k: c(v) for k, v in FAMILY_COLORS.items()}
    verdict = {k: c(v) for k, v in VERDICT_COLORS[dark].items()}
    if dark:
        return Palette(
            dark=True, canvas=c("#1e2128"), grid_minor=c("#252932"), grid_major=c("#2d323c"),
            node_body=c("#2b2f38"), node_border=c("#3c424f"), node_shadow=c(0, 0, 0, 90),
            selection=c("#f5f7fa"), text=c("#e6e9ef"), text_dim=c("#9aa3b2"),
            port=c("#4a5160"), port_border=c("#aab2c0"), compatible=c("#3ecf6e"),
            incompatible=verdict["error"], badge=c("#41586e"), badge_text=c("#cfe3f7"),
            tooltip_bg=c(20, 22, 27, 235), family=family, verdict=verdict)
    return Palette(
        dark=False, canvas=c("#f4f5f7"), grid_minor=c("#e9ebef"), grid_major=c("#dcdfe5"),
        node_body=c("#ffffff"), node_border=c("#c5cad3"), node_shadow=c(0, 0, 0, 40),
        selection=c("#1f2430"), text=c("#1f2430"), text_dim=c("#5f6878"),
        port=c("#ffffff"), port_border=c("#6f7888"), compatible=c("#1f9e4a"),
        incompatible=verdict["error"], badge=c("#dde8f3"), badge_text=c("#2c4f73"),
        tooltip_bg=c(255, 255, 255, 240), family=family, verdict=verdict)


_CACHE: dict[bool, Palette] = {}


def colors(dark: bool) -> Palette:
    """The palette for the dark or the light appearance (the same object on each call)."""
    if dark not in _CACHE:
        _CACHE[dark] = _palette(dark)
    return _CACHE[dark]


def family_color(family: str, dark: bool = False) -> QColor:
    """The accent colour of a node family."""
    return colors(dark).family_color(family)


def verdict_color(level: str, dark: bool = False) -> QColor:
    """The colour of a verdict level (``ok``, ``warning``, ``error``)."""
    return colors(dark).verdict.get(level, colors(dark).verdict["ok"])


def system_is_dark() -> bool:
    """Whether the running application currently uses a dark colour scheme."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hints is not None else None
    if scheme is not None and scheme.name in ("Dark", "Light"):
        return scheme.name == "Dark"
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128
