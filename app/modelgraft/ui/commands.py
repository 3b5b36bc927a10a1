"""Undo commands: every edit a user makes in the workbench, doable and undoable.

Commands refer to nodes by name (names are stable), so they stay valid when other commands
in the stack re-create nodes. Compound edits (insert a suggested adapter chain, paste) are
macros of these (``QUndoStack.beginMacro``) or single commands holding several steps.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ..core.elements import Edge
from ..core.errors import GraphError
from ..io.data_spec import with_renamed_binding, without_binding

if TYPE_CHECKING:
    from ..core.graph import Graph
    from .document import Document

__all__ = [
    "AddNodeCommand",
    "ConnectCommand",
    "DisconnectCommand",
    "EdgeRef",
    "ModelFileCommand",
    "MoveNodesCommand",
    "NodeData",
    "PasteCommand",
    "RemoveNodesCommand",
    "RenameCommand",
    "SetParamsCommand",
    "SetSectionCommand",
    "snapshot",
]

SECTIONS = ("data", "training")
"""Project sections :class:`SetSectionCommand` replaces."""

# Parameters the app fills in (not the user): undoing a user edit must not roll them back.
_DERIVED = ("signature", "sha256")


@dataclass(frozen=True)
class EdgeRef:
    """An edge by names: ``src`` node and output port, ``dst`` node and input port."""

    src: str
    src_port: str
    dst: str
    dst_port: str

    @classmethod
    def of(cls, edge: Edge) -> EdgeRef:
        """The reference of an existing edge."""
        return cls(*edge.key())

    def connect(self, graph: Graph) -> Edge:
        """Re-create the edge (forced: it existed before, fitting or not)."""
        return graph.connect(graph.node(self.src).output(self.src_port),
                             graph.node(self.dst).input(self.dst_port), force=True)

    def find(self, graph: Graph) -> Edge | None:
        """The live edge this refers to, if it exists."""
        if self.dst not in graph:
            return None
        port = graph.node(self.dst).input(self.dst_port)
        edges = port.edges
        if edges and EdgeRef.of(edges[0]) == self:
            return edges[0]
        return None


@dataclass(frozen=True)
class NodeData:
    """Everything needed to re-create a node."""

    name: str
    kind: str
    params: dict[str, Any]
    position: tuple[float, float]

    def add(self, graph: Graph) -> None:
        """Re-create the node in ``graph``."""
        graph.add_node(self.kind, dict(self.params), name=self.name, position=self.position)


def snapshot(graph: Graph, names: list[str]) -> tuple[list[NodeData], list[EdgeRef]]:
    """The named nodes and every edge touching them (for delete, copy and undo)."""
    nodes = [graph.node(n) for n in names]
    data = [NodeData(n.name, n.kind, dict(n.params), n.position) for n in nodes]
    edges: dict[EdgeRef, None] = {}
    for node in nodes:
        for edge in node.in_edges + node.out_edges:
            edges[EdgeRef.of(edge)] = None
    return data, list(edges)


class AddNodeCommand(QUndoCommand):
    """Add one node (from the palette, a dropped file, a suggestion)."""

    def __init__(self, doc: Document, kind: str, params: dict[str, Any] | None = None,
                 position: tuple[float, float] = (0.0, 0.0), name: str | None = None,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        graph = doc.graph
        params = graph.catalog.normalize_params(kind, dict(params or {}), name)
        self.name = name or graph.unique_name(graph.catalog.default_name(kind, params))
        self.data = NodeData(self.name, kind, params, position)
        self.setText(f"Add {kind} '{self.name}'")

    def redo(self) -> None:
        self.data.add(self.doc.graph)

    def undo(self) -> None:
        self.doc.graph.remove_node(self.name)


class RemoveNodesCommand(QUndoCommand):
    """Delete nodes with every edge attached to them."""

    def __init__(self, doc: Document, names: list[str], parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.nodes, self.edges = snapshot(doc.graph, names)
        self.data = copy.deepcopy(doc.project.data)  # the removed nodes' bindings come back on undo
        self.setText(f"Delete {len(names)} node{'s' if len(names) != 1 else ''}" if len(names) != 1
                     else f"Delete '{names[0]}'")

    def redo(self) -> None:
        section = self.doc.project.data
        for data in self.nodes:
            self.doc.graph.remove_node(data.name)
            if data.name in section.get("bindings", {}):
                section = without_binding(section, data.name)
        if section is not self.doc.project.data:
            self.doc.replace_section("data", section)

    def undo(self) -> None:
        for data in self.nodes:
            data.add(self.doc.graph)
        if self.doc.project.data != self.data:
            self.doc.replace_section("data", self.data)
        for ref in self.edges:
            if ref.find(self.doc.graph) is None:
                ref.connect(self.doc.graph)


class ConnectCommand(QUndoCommand):
    """Connect an output to an input, replacing the input's existing edge if it has one."""

    def __init__(self, doc: Document, ref: EdgeRef, force: bool = False,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.ref = ref
        self.force = force
        port = doc.graph.node(ref.dst).input(ref.dst_port)
        self.replaced = EdgeRef.of(port.edges[0]) if port.edges else None
        self.setText(f"Connect '{ref.src}' → '{ref.dst}'")

    def redo(self) -> None:
        graph = self.doc.graph
        if self.replaced is not None:
            old = self.replaced.find(graph)
            if old is not None:
                graph.disconnect(old)
        graph.connect(graph.node(self.ref.src).output(self.ref.src_port),
                      graph.node(self.ref.dst).input(self.ref.dst_port), force=self.force)

    def undo(self) -> None:
        edge = self.ref.find(self.doc.graph)
        if edge is not None:
            self.doc.graph.disconnect(edge)
        if self.replaced is not None:
            self.replaced.connect(self.doc.graph)


class DisconnectCommand(QUndoCommand):
    """Remove edges."""

    def __init__(self, doc: Document, refs: list[EdgeRef], parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.refs = refs
        self.setText("Disconnect" if len(refs) == 1 else f"Disconnect {len(refs)} edges")

    def redo(self) -> None:
        for ref in self.refs:
            edge = ref.find(self.doc.graph)
            if edge is not None:
                self.doc.graph.disconnect(edge)

    def undo(self) -> None:
        for ref in self.refs:
            ref.connect(self.doc.graph)


class MoveNodesCommand(QUndoCommand):
    """Move nodes: a whole drag is one command (old and new position of each node)."""

    def __init__(self, doc: Document, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.moves = moves
        self.setText("Move" if len(moves) == 1 else f"Move {len(moves)} nodes")

    def redo(self) -> None:
        for name, (_, new) in self.moves.items():
            self.doc.graph.move(name, new)

    def undo(self) -> None:
        for name, (old, _) in self.moves.items():
            self.doc.graph.move(name, old)


class SetParamsCommand(QUndoCommand):
    """Change parameters of one node (one inspector edit); edges lost to port changes return
    on undo."""

    def __init__(self, doc: Document, name: str, changes: dict[str, Any],
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.name = name
        node = doc.graph.node(name)
        self.new = dict(changes)
        self.old = {k: node.params[k] for k in changes}
        _, self.edges = snapshot(doc.graph, [name])
        keys = ", ".join(changes)
        self.setText(f"Set {keys} of '{name}'")

    def redo(self) -> None:
        self.doc.graph.set_params(self.name, **self.new)

    restores_derived = False
    """Whether undo also restores parameters the app derives (signature, hash)."""

    def undo(self) -> None:
        graph = self.doc.graph
        graph.set_params(self.name, **{k: v for k, v in self.old.items()
                                       if self.restores_derived or k not in _DERIVED})
        for ref in self.edges:
            if ref.find(graph) is None and ref.dst in graph and ref.src in graph:
                try:
                    ref.connect(graph)
                except GraphError:  # a port that no longer exists stays unconnected
                    continue


class SetSectionCommand(QUndoCommand):
    """Replace the project's ``data`` (bindings, validation split) or ``training`` section."""

    def __init__(self, doc: Document, section: str, new: dict[str, Any], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        if section not in SECTIONS:
            raise ValueError(f"unknown project section {section!r}")
        self.doc = doc
        self.section = section
        self.old = copy.deepcopy(getattr(doc.project, section))
        self.new = copy.deepcopy(new)
        self.setText(text)

    def redo(self) -> None:
        self.doc.replace_section(self.section, self.new)

    def undo(self) -> None:
        self.doc.replace_section(self.section, self.old)


class RenameCommand(QUndoCommand):
    """Rename a node."""

    def __init__(self, doc: Document, old: str, new: str, parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.old, self.new = old, new
        self.setText(f"Rename '{old}' to '{new}'")

    def redo(self) -> None:
        self.doc.graph.rename(self.old, self.new)
        self._move_binding(self.old, self.new)

    def undo(self) -> None:
        self.doc.graph.rename(self.new, self.old)
        self._move_binding(self.new, self.old)

    def _move_binding(self, old: str, new: str) -> None:
        data = self.doc.project.data
        moved = with_renamed_binding(data, old, new)
        if moved is not data:
            self.doc.replace_section("data", moved)


class PasteCommand(QUndoCommand):
    """Add a copied sub-graph: nodes under fresh names, shifted, with their inner edges."""

    def __init__(self, doc: Document, nodes: list[NodeData], edges: list[EdgeRef],
                 offset: tuple[float, float] = (40.0, 40.0), parent: QUndoCommand | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        graph = doc.graph
        taken: set[str] = {n.name for n in graph}
        rename: dict[str, str] = {}
        for data in nodes:
            stem, name, i = data.name, data.name, 1
            while name in taken:
                name, i = f"{stem}_{i}", i + 1
            taken.add(name)
            rename[data.name] = name
        self.nodes = [NodeData(rename[d.name], d.kind, dict(d.params),
                               (d.position[0] + offset[0], d.position[1] + offset[1])) for d in nodes]
        self.edges = [EdgeRef(rename[e.src], e.src_port, rename[e.dst], e.dst_port)
                      for e in edges if e.src in rename and e.dst in rename]
        self.names = [d.name for d in self.nodes]
        self.setText(f"Paste {len(self.nodes)} node{'s' if len(self.nodes) != 1 else ''}")

    def redo(self) -> None:
        for data in self.nodes:
            data.add(self.doc.graph)
        for ref in self.edges:
            ref.connect(self.doc.graph)

    def undo(self) -> None:
        for name in self.names:
            self.doc.graph.remove_node(name)


class ModelFileCommand(SetParamsCommand):
    """Point a model node at another file, or accept its changed content: ``path``,
    ``sha256``, ``signature`` and ``trusted`` change as one step, and undo restores all of
    them (the derived ones too), then the edges the new ports lost."""

    restores_derived = True

    def __init__(self, doc: Document, name: str, changes: dict[str, Any], text: str,
                 parent: QUndoCommand | None = None) -> None:
        super().__init__(doc, name, changes, parent)
        self.setText(text)
