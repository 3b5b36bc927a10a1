"""The canvas scene: one item per node and edge of the open project's graph, kept current
by listening to the graph, and the mouse work of moving nodes and connecting ports.

The scene draws the current graph first, then subscribes to the graph's events; when the
document replaces its project it drops everything and starts over, and :meth:`close`
unsubscribes. It never edits the graph itself: moves, connections and inserted adapter
chains are commands pushed with ``doc.push``.

Signals (GUI thread):

- ``edge_drag_finished(object)``: an edge drag ended; the argument is the pushed
  :class:`~modelgraft.ui.commands.EdgeRef`, or ``None`` when nothing was connected.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QUndoCommand
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSceneMouseEvent

from ...core.elements import Edge, Node
from ...core.graph import Graph
from ..commands import MoveNodesCommand
from ..document import Document
from ..theme import Palette, colors, system_is_dark
from .defaults import GRID
from .edge_item import EdgeItem
from ...core.layout import layered_positions, stacked
from .linking import EdgeDrag
from .node_item import NodeItem
from .port_item import PortItem

__all__ = ["GraphScene"]

_DETAIL_ZOOM = 0.4  # below this zoom, port discs are hidden
_EVENTS = ("node_added", "node_removed", "node_renamed", "node_moved", "params_changed",
           "ports_changed", "edge_added", "edge_removed", "spec_changed", "verdict_changed")


class GraphScene(QGraphicsScene):
    """The items of one document's graph.

    Attributes:
        doc: The document shown.
        theme: The colours in use.
        last_suggestion_menu: The menu offered by the last refused connection (its actions
            are the verdict's suggestions and "Connect anyway"), or ``None``.
    """

    edge_drag_finished = Signal(object)

    def __init__(self, doc: Document, dark: bool | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.theme: Palette = colors(system_is_dark() if dark is None else dark)
        self.setSceneRect(QRectF(-50000, -50000, 100000, 100000))
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[Edge, EdgeItem] = {}
        self._graph: Graph | None = None
        self._press: dict[str, QPointF] | None = None
        self._snapping = False
        self._placing = False
        self._selecting = False
        self._detailed = True
        self._closed = False
        self.link = EdgeDrag(self)
        self._spinner = QTimer(self)
        self._spinner.setInterval(80)
        self._spinner.timeout.connect(self._spin)
        self.selectionChanged.connect(self._selection_to_doc)
        doc.project_replaced.connect(self._on_project_replaced)
        doc.loading_changed.connect(self._on_loading_changed)
        doc.selection_changed.connect(self._selection_from_doc)
        self._attach(doc.graph)
        if stacked(doc.graph) and doc.undo_stack.count() == 0:
            self.arrange(undoable=False)

    @property
    def last_suggestion_menu(self) -> Any:
        """The menu of the last refused connection (see :class:`EdgeDrag`)."""
        return self.link.last_menu

    # ------------------------------------------------------------------ lookup

    def node_item(self, name: str) -> NodeItem:
        """The item of the node with this name.

        Raises:
            KeyError: there is no such node.
        """
        return self._nodes[name]

    def node_items(self) -> list[NodeItem]:
        """All node items, in graph order."""
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        """All edge items."""
        return list(self._edges.values())

    def edge_item(self, edge: Edge) -> EdgeItem:
        """The item of a graph edge."""
        return self._edges[edge]

    def port_item_of(self, node: str, direction: str, index: int) -> PortItem:
        """The port item by node name, direction and index."""
        return self._nodes[node].port_at(direction, index)

    def selected_names(self) -> list[str]:
        """Names of the selected nodes, in graph order."""
        return [i.name for i in self._nodes.values() if i.isSelected()]

    def selected_edges(self) -> list[EdgeItem]:
        """The selected edge items."""
        return [i for i in self._edges.values() if i.selected]

    def nodes_rect(self) -> QRectF:
        """The bounding rectangle of every node (empty without nodes)."""
        rect = QRectF()
        for item in self._nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------------ appearance

    def set_dark(self, dark: bool) -> None:
        """Switch between the light and the dark palette."""
        self.theme = colors(dark)
        for item in self._nodes.values():
            item.set_palette(self.theme)
        for edge in self._edges.values():
            edge.set_palette(self.theme)
        self.link.set_palette(self.theme)
        self.update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, self.theme.canvas)
        scale = painter.worldTransform().m11()
        for step, color, min_scale in ((GRID, self.theme.grid_minor, 0.6),
                                       (GRID * 5, self.theme.grid_major, 0.15)):
            if scale < min_scale:
                continue
            left = math.floor(rect.left() / step) * step
            top = math.floor(rect.top() / step) * step
            lines = [QLineF(x, rect.top(), x, rect.bottom())
                     for x in _frange(left, rect.right(), step)]
            lines += [QLineF(rect.left(), y, rect.right(), y)
                      for y in _frange(top, rect.bottom(), step)]
            painter.setPen(color)
            painter.drawLines(lines)

    # ------------------------------------------------------------------ document

    def close(self) -> None:
        """Unsubscribe from the document and its graph and drop every item."""
        if self._closed:
            return
        self._closed = True
        self._detach()
        self.doc.project_replaced.disconnect(self._on_project_replaced)
        self.doc.loading_changed.disconnect(self._on_loading_changed)
        self.doc.selection_changed.disconnect(self._selection_from_doc)

    def _attach(self, graph: Graph) -> None:
        self._graph = graph
        for node in graph:
            self._add_node(node)
        for edge in graph.edges:
            self._add_edge(edge)
        self._handlers = {event: self._while_alive(getattr(self, f"_on_{event}")) for event in _EVENTS}
        for event, handler in self._handlers.items():
            getattr(graph, event).connect(handler)

    def _while_alive(self, method: Callable[..., None]) -> Callable[..., None]:
        """``method``, skipped once Qt has deleted this scene: a view can be destroyed without
        a close event while its document (and graph) live on, e.g. with a model still loading."""

        def handler(*args: Any) -> None:
            if shiboken6.isValid(self):
                method(*args)

        return handler

    def _detach(self) -> None:
        if self._graph is not None:
            for event, handler in self._handlers.items():
                getattr(self._graph, event).disconnect(handler)
            self._graph = None
        self.link.cancel()
        self._spinner.stop()
        self._edges.clear()
        self._nodes.clear()
        self.clear()
        self.link.make_items()

    def _on_project_replaced(self, project: Any) -> None:
        self._detach()
        self._attach(self.doc.graph)
        if stacked(self.doc.graph):
            self.arrange(undoable=False)

    def arrange(self, undoable: bool = True) -> None:
        """Lay the nodes out in columns along the data flow, as one "Arrange" command.

        Args:
            undoable: False when the layout is part of opening a project: the command is
                applied, then the undo history is cleared so the project stays unmodified.
        """
        sizes = {n: (i.boundingRect().width(), i.boundingRect().height())
                 for n, i in self._nodes.items()}
        positions = layered_positions(self.doc.graph, sizes)
        moves = {n: (self.doc.graph.node(n).position, p) for n, p in positions.items()
                 if self.doc.graph.node(n).position != p}
        if not moves:
            return
        command = MoveNodesCommand(self.doc, moves)
        command.setText("Arrange")
        self.doc.push(command)
        if not undoable:
            self.doc.undo_stack.clear()

    def _on_loading_changed(self, name: str, busy: bool) -> None:
        item = self._nodes.get(name)
        if item is None:
            return
        item.set_loading(busy)
        self._refresh(self.doc.graph.node(name))
        if busy and not self._spinner.isActive():
            self._spinner.start()

    def _spin(self) -> None:
        loading = [i for i in self._nodes.values() if i.loading]
        for item in loading:
            item.advance_spinner()
        if not loading:
            self._spinner.stop()

    # ------------------------------------------------------------------ graph events

    def _add_node(self, node: Node) -> None:
        item = NodeItem(node, self.theme, node.name in self.doc.loading)
        item.set_detailed(self._detailed)
        self._nodes[node.name] = item
        self._placing = True
        self.addItem(item)
        self._placing = False
        if item.loading:
            self._spinner.start()

    def _add_edge(self, edge: Edge) -> None:
        item = EdgeItem(edge, self.theme)
        self._edges[edge] = item
        self.addItem(item)
        self._route(item)

    def _route(self, item: EdgeItem) -> None:
        src, dst = item.edge.src, item.edge.dst
        a = self._nodes[src.node.name].port_at("out", src.index).scene_center()
        b = self._nodes[dst.node.name].port_at("in", dst.index).scene_center()
        item.set_ends(a, b)

    def _route_node(self, node: Node) -> None:
        for edge in node.in_edges + node.out_edges:
            item = self._edges.get(edge)
            if item is not None:
                self._route(item)

    def _refresh(self, node: Node) -> None:
        """Lay a node out again and re-route its edges."""
        item = self._nodes.get(node.name)
        if item is None:
            return
        item.sync(node)
        self._route_node(node)
        self.link.refresh()

    def _on_node_added(self, node: Node) -> None:
        self._add_node(node)

    def _on_node_removed(self, node: Node) -> None:
        item = self._nodes.pop(node.name, None)
        if item is not None:
            self.removeItem(item)
        self.link.refresh()

    def _on_node_renamed(self, node: Node, old: str) -> None:
        self._nodes = {(node.name if k == old else k): v for k, v in self._nodes.items()}
        self._refresh(node)
        for edge in node.in_edges + node.out_edges:
            self._edges[edge].sync()

    def _on_node_moved(self, node: Node) -> None:
        item = self._nodes[node.name]
        self._placing = True
        item.setPos(QPointF(*node.position))
        self._placing = False
        self._route_node(node)

    def _on_params_changed(self, node: Node, old: dict[str, Any]) -> None:
        self._refresh(node)

    def _on_ports_changed(self, node: Node) -> None:
        self._refresh(node)

    def _on_edge_added(self, edge: Edge) -> None:
        self._refresh(edge.src.node)
        self._refresh(edge.dst.node)
        self._add_edge(edge)

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self._edges.pop(edge, None)
        if item is not None:
            self.removeItem(item)
        for node in (edge.src.node, edge.dst.node):
            if self._nodes.get(node.name) is not None and node.name in self.doc.graph:
                self._refresh(node)

    def _on_spec_changed(self, node: Node) -> None:
        self._refresh(node)
        for succ in node.successors:
            self._refresh(succ)
        for edge in node.out_edges:
            self._edges[edge].sync()

    def _on_verdict_changed(self, edge: Edge) -> None:
        item = self._edges.get(edge)
        if item is not None:
            item.sync()

    # ------------------------------------------------------------------ selection

    def _selection_to_doc(self) -> None:
        if not self._selecting:
            self.doc.set_selection(self.selected_names())

    def _selection_from_doc(self, names: list[str]) -> None:
        if names == self.selected_names():
            return
        self._selecting = True
        try:
            wanted = set(names)
            for item in self.selectedItems():
                if not isinstance(item, NodeItem) or item.name not in wanted:
                    item.setSelected(False)
            for name in names:
                if name in self._nodes:
                    self._nodes[name].setSelected(True)
        finally:
            self._selecting = False

    def select_names(self, names: list[str]) -> None:
        """Select exactly these nodes (and tell the document)."""
        self.clear_selection()
        for name in names:
            if name in self._nodes:
                self._nodes[name].setSelected(True)

    def select_all(self) -> None:
        """Select every node and edge."""
        for item in self._nodes.values():
            item.setSelected(True)
        for edge in self._edges.values():
            edge.set_selected(True)

    def clear_selection(self) -> None:
        """Deselect every node and edge."""
        self.clearSelection()
        for edge in self._edges.values():
            edge.set_selected(False)

    def _click_edge(self, scene_pos: QPointF, toggle: bool) -> bool:
        """Select the edge under the cursor (Ctrl toggles); False if there is none."""
        top = next((i for i in self.items(scene_pos) if isinstance(i, (NodeItem, EdgeItem, PortItem))),
                   None)
        if not isinstance(top, EdgeItem):
            if not toggle:
                for edge in self._edges.values():
                    edge.set_selected(False)
            return False
        if toggle:
            top.set_selected(not top.selected)
        else:
            self.clear_selection()
            top.set_selected(True)
        return True

    # ------------------------------------------------------------------ level of detail

    def set_detail(self, zoom: float) -> None:
        """Show port discs only when zoomed in enough to see them (the view calls this)."""
        detailed = zoom >= _DETAIL_ZOOM
        if detailed != self._detailed:
            self._detailed = detailed
            for item in self._nodes.values():
                item.set_detailed(detailed)

    # ------------------------------------------------------------------ moving

    def snap_position(self, item: NodeItem, value: QPointF) -> QPointF:
        """Where a node being dragged goes: ``value`` snapped to the grid."""
        if not self._snapping or self._placing:
            return value
        return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)

    def node_item_moved(self, item: NodeItem) -> None:
        """Keep the edges of a node being dragged attached to it."""
        if self._placing or item.name not in self.doc.graph:
            return
        self._route_node(self.doc.graph.node(item.name))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if self.link.press(event.scenePos()) or self._click_edge(event.scenePos(), toggle):
                event.accept()
                return
        super().mousePressEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and isinstance(self.mouseGrabberItem(), NodeItem):
            self._press = {i.name: i.pos() for i in self._nodes.values() if i.isSelected()}
            self._snapping = True

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.link.active:
            self.link.move(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.link.active and event.button() == Qt.MouseButton.LeftButton:
            self.link.release(event.scenePos(), event.screenPos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._press is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_move()

    def _finish_move(self) -> None:
        press, self._press, self._snapping = self._press or {}, None, False
        graph = self.doc.graph
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {}
        for name in press:
            item = self._nodes.get(name)
            if item is None or name not in graph:
                continue
            new = (item.pos().x(), item.pos().y())
            old = graph.node(name).position
            if new != old:
                moves[name] = (old, new)
        if moves:
            self.doc.push(MoveNodesCommand(self.doc, moves))

    def push_macro(self, text: str, commands: list[QUndoCommand]) -> None:
        """Push several commands as one undo step named ``text``."""
        stack = self.doc.undo_stack
        stack.beginMacro(text)
        try:
            for command in commands:
                self.doc.push(command)
        finally:
            stack.endMacro()

    def items_under(self, scene_pos: QPointF, radius: float) -> list[QGraphicsItem]:
        """Items within ``radius`` of a scene point, topmost first."""
        return self.items(QRectF(scene_pos.x() - radius, scene_pos.y() - radius, 2 * radius, 2 * radius))


def _frange(start: float, stop: float, step: float) -> list[float]:
    n = int((stop - start) / step) + 1
    return [start + i * step for i in range(max(n, 0))]
