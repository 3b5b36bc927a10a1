"""The workbench's side panels: node palette, inspector and problems list.

Each panel takes the :class:`~modelgraft.ui.document.Document`, observes it and the open
graph, and edits only through undo commands.
"""

from __future__ import annotations

from .inspector import InspectorPanel
from .palette import KIND_MIME, PalettePanel
from .problems import ProblemsPanel

__all__ = ["KIND_MIME", "InspectorPanel", "PalettePanel", "ProblemsPanel"]
