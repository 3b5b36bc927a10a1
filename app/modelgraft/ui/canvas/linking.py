"""Dragging a new edge with live checking, and what happens on release.

While the user drags from a port, every port it could end on is coloured by
``graph.verdict_for`` (pure shape rules, instant): green compatible, amber warning, red
incompatible with the verdict text as tooltip, and the hovered port's verdict is written
next to the cursor. Releasing on a compatible port pushes a ``ConnectCommand``; on an
incompatible one nothing is connected and a menu offers the verdict's suggestions (each
inserts its adapter chain and both edges as one undo step) and "Connect anyway".

:class:`EdgeDrag` emits nothing itself; it reports through the scene's
``edge_drag_finished`` signal (GUI thread).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QMenu

from ...core.elements import Port
from ...core.verdict import Suggestion, Verdict
from ..commands import AddNodeCommand, ConnectCommand, EdgeRef
from ..theme import Palette
from .defaults import GRID
from .edge_item import DragEdgeItem, VerdictLabel
from .port_item import PortItem

if TYPE_CHECKING:
    from .scene import GraphScene

__all__ = ["EdgeDrag"]

_GRAB = 10.0  # scene pixels around the cursor searched for a port


class EdgeDrag:
    """The state of one edge drag on a :class:`GraphScene`.

    Attributes:
        active: Whether an edge is being dragged.
        last_menu: The ``QMenu`` shown for the last refused connection, or ``None``.
    """

    def __init__(self, scene: GraphScene) -> None:
        self.scene = scene
        self.active = False
        self.last_menu: QMenu | None = None
        self._src: tuple[str, str, int] | None = None  # node, direction, index
        self._line: DragEdgeItem
        self._label: VerdictLabel
        self.make_items()

    def make_items(self) -> None:
        """Create the rubber edge and the cursor label (again, after the scene was cleared)."""
        self._line = DragEdgeItem(self.scene.theme)
        self._line.hide()
        self._label = VerdictLabel(self.scene.theme)
        self.scene.addItem(self._line)
        self.scene.addItem(self._label)

    def set_palette(self, palette: Palette) -> None:
        """Use other colours for the rubber edge and the label."""
        self._label.palette = palette

    # ------------------------------------------------------------------ dragging

    def press(self, scene_pos: QPointF) -> bool:
        """Start a drag if ``scene_pos`` is on a port; return whether it was."""
        port = self._port_at(scene_pos, None)
        if port is None:
            return False
        self._src = (port.node_item.name, port.direction, port.index)
        self.active = True
        self.refresh()
        self._line.show()
        self.move(scene_pos)
        return True

    def refresh(self) -> None:
        """Colour every possible target port by its verdict (again, after items changed)."""
        if not self.active or self._src is None:
            return
        graph = self.scene.doc.graph
        if self._src[0] not in graph:
            self.cancel()
            return
        origin = self._graph_port(*self._src)
        want = "in" if origin.direction == "out" else "out"
        for item in self.scene.node_items():
            if item.name == origin.node.name:
                continue
            node = graph.node(item.name)
            for port in (node.inputs if want == "in" else node.outputs):
                out, inp = (origin, port) if want == "in" else (port, origin)
                verdict = graph.verdict_for(out, inp)
                item.port_at(want, port.index).set_highlight(verdict.level, verdict.message)

    def move(self, scene_pos: QPointF) -> None:
        """Follow the cursor; snap to and explain the port under it."""
        if self._src is None:
            return
        anchor = self.scene.port_item_of(*self._src)
        target = self._port_at(scene_pos, "in" if anchor.direction == "out" else "out")
        end = target.scene_center() if target is not None else scene_pos
        a, b = (anchor.scene_center(), end) if anchor.direction == "out" else (end, anchor.scene_center())
        pal = self.scene.theme
        if target is None or target.highlight is None:
            self._line.set_ends(a, b, pal.text_dim)
            self._label.hide()
            return
        color = pal.compatible if target.highlight == "ok" else pal.verdict[target.highlight]
        self._line.set_ends(a, b, color)
        if target.highlight == "ok":
            out = anchor if anchor.direction == "out" else target
            spec = self._graph_port(out.node_item.name, "out", out.index).spec
            text = f"✓ compatible: {'…' if spec is None else spec}"
        else:
            mark = "⚠" if target.highlight == "warning" else "✗"
            text = f"{mark} " + "\n   ".join(textwrap.wrap(target.verdict_text, 70))
        self._label.show_text(text, color, scene_pos)

    def release(self, scene_pos: QPointF, screen_pos: QPoint | QPointF) -> None:
        """End the drag: connect, or offer suggestions for an incompatible target."""
        src = self._src
        anchor = self.scene.port_item_of(*src) if src is not None else None
        target = None if anchor is None else self._port_at(
            scene_pos, "in" if anchor.direction == "out" else "out")
        dst = None if target is None else (target.node_item.name, target.direction, target.index)
        self.cancel()
        if src is None or dst is None:
            self.scene.edge_drag_finished.emit(None)
            return
        a, b = self._graph_port(*src), self._graph_port(*dst)
        out, inp = (a, b) if a.direction == "out" else (b, a)
        self.scene.edge_drag_finished.emit(self.connect(out, inp, screen_pos))

    def cancel(self) -> None:
        """Stop dragging and clear every highlight."""
        self.active = False
        self._src = None
        self._line.hide()
        self._label.hide()
        for item in self.scene.node_items():
            for port in item.inputs + item.outputs:
                port.set_highlight(None)

    # ------------------------------------------------------------------ outcome

    def connect(self, out: Port, inp: Port, screen_pos: QPoint | QPointF | None = None) -> EdgeRef | None:
        """Connect ``out`` to ``inp`` if they fit; else pop up the suggestion menu.

        Returns:
            The connected edge, or ``None`` if nothing was connected (yet).
        """
        doc = self.scene.doc
        ref = EdgeRef(out.node.name, out.name, inp.node.name, inp.name)
        verdict = doc.graph.verdict_for(out, inp)
        if verdict.ok:
            if ref.find(doc.graph) is None:
                doc.push(ConnectCommand(doc, ref))
            return ref
        if out.node is inp.node or out.node.graph.reaches(inp.node, out.node):
            doc.message.emit(verdict.message)
            return None
        self.last_menu = self._menu(ref, verdict)
        if screen_pos is not None:
            self.last_menu.popup(QPointF(screen_pos).toPoint())
        return None

    def _menu(self, ref: EdgeRef, verdict: Verdict) -> QMenu:
        views = self.scene.views()
        menu = QMenu(views[0] if views else None)
        menu.setToolTipsVisible(True)
        why = menu.addAction("Not connected: " + textwrap.shorten(verdict.message, 90, placeholder=" …"))
        why.setEnabled(False)
        why.setToolTip(verdict.message)
        menu.addSeparator()
        for suggestion in verdict.suggestions:
            action = menu.addAction(suggestion.label)
            if suggestion.result is not None:
                action.setToolTip(f"gives {suggestion.result}")
            action.triggered.connect(lambda _=False, s=suggestion: self.insert_chain(ref, s))
        if verdict.suggestions:
            menu.addSeparator()
        anyway = menu.addAction("Connect anyway")
        anyway.setToolTip("Connect despite the mismatch; the Problems panel will list it")
        anyway.triggered.connect(lambda _=False: self.scene.doc.push(
            ConnectCommand(self.scene.doc, ref, force=True)))
        return menu

    def insert_chain(self, ref: EdgeRef, suggestion: Suggestion) -> list[str]:
        """Insert a suggested adapter chain between two ports, as one undo step.

        The adapters are placed evenly between the two ports; the macro is named by the
        suggestion's label. Returns the names of the inserted nodes.
        """
        doc, graph = self.scene.doc, self.scene.doc.graph
        a = self.scene.node_item(ref.src).port_item("out", ref.src_port).scene_center()
        b = self.scene.node_item(ref.dst).port_item("in", ref.dst_port).scene_center()
        steps = suggestion.steps
        names: list[str] = []
        stack = doc.undo_stack
        stack.beginMacro(suggestion.label)
        try:
            prev = (ref.src, ref.src_port)
            for i, step in enumerate(steps):
                t = (i + 1) / (len(steps) + 1)
                x = a.x() + (b.x() - a.x()) * t - 85.0
                y = a.y() + (b.y() - a.y()) * t - 50.0
                command = AddNodeCommand(doc, step.kind, step.param_dict,
                                         (round(x / GRID) * GRID, round(y / GRID) * GRID))
                doc.push(command)
                node = graph.node(command.name)
                doc.push(ConnectCommand(doc, EdgeRef(prev[0], prev[1], node.name, node.inputs[0].name),
                                        force=True))
                prev = (node.name, node.outputs[0].name)
                names.append(node.name)
            doc.push(ConnectCommand(doc, EdgeRef(prev[0], prev[1], ref.dst, ref.dst_port), force=True))
        finally:
            stack.endMacro()
        return names

    # ------------------------------------------------------------------ helpers

    def _graph_port(self, node: str, direction: str, index: int) -> Port:
        n = self.scene.doc.graph.node(node)
        return n.input(index) if direction == "in" else n.output(index)

    def _port_at(self, scene_pos: QPointF, direction: str | None) -> PortItem | None:
        best: tuple[float, PortItem] | None = None
        for item in self.scene.items_under(scene_pos, _GRAB):
            if isinstance(item, PortItem) and (direction is None or item.direction == direction) \
                    and item.hit(scene_pos):
                d = item.scene_center() - scene_pos
                dist = d.x() * d.x() + d.y() * d.y()
                if best is None or dist < best[0]:
                    best = (dist, item)
        return None if best is None else best[1]
