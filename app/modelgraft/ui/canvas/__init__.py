"""The node canvas: a hand-written QGraphicsScene/QGraphicsView editor of the document's graph.

``GraphView`` is the widget; ``GraphScene`` holds one item per node and edge and keeps them
current by observing the graph; every edit is an undo command pushed on the document.
"""

from __future__ import annotations

from .defaults import DEFAULT_PARAMS, GRID, MIME_KIND, MIME_SUBGRAPH, default_params
from .edge_item import EdgeItem
from .node_item import NodeItem
from .port_item import PortItem
from .scene import GraphScene
from .view import GraphView

__all__ = [
    "DEFAULT_PARAMS",
    "GRID",
    "MIME_KIND",
    "MIME_SUBGRAPH",
    "EdgeItem",
    "GraphScene",
    "GraphView",
    "NodeItem",
    "PortItem",
    "default_params",
]
