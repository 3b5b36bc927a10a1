"""The Graph document: nodes, edges, live specs and verdicts, and change events.

Events (psygnal signals, emitted synchronously on the thread that made the edit):

- ``node_added(node)``, ``node_removed(node)``
- ``node_renamed(node, old_name)``, ``node_moved(node)``
- ``params_changed(node, old_params)``, ``ports_changed(node)``
- ``edge_added(edge)``, ``edge_removed(edge)``
- ``spec_changed(node)``: the node's output specs or problem changed
- ``verdict_changed(edge)``: an edge's verdict changed
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any, Iterable, Iterator

from psygnal import Signal

from .catalog import Catalog
from .elements import Edge, Node, Port
from .errors import GraphError, IncompatiblePorts, ShapeError
from .problems import Problem
from .spec import TensorSpec
from .verdict import Verdict, compare

__all__ = ["INPUT_KIND", "OUTPUT_KIND", "Graph"]

INPUT_KIND = "input"
OUTPUT_KIND = "output"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class Graph:
    """A directed acyclic graph of nodes whose specs are re-inferred incrementally."""

    node_added = Signal(object)
    node_removed = Signal(object)
    node_renamed = Signal(object, str)
    node_moved = Signal(object)
    params_changed = Signal(object, dict)
    ports_changed = Signal(object)
    edge_added = Signal(object)
    edge_removed = Signal(object)
    spec_changed = Signal(object)
    verdict_changed = Signal(object)

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._nodes: dict[str, Node] = {}

    # ------------------------------------------------------------------ queries

    def __contains__(self, name: object) -> bool:
        return name in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def nodes(self) -> list[Node]:
        """All nodes, in insertion order."""
        return list(self._nodes.values())

    @property
    def edges(self) -> list[Edge]:
        """All edges, grouped by destination node in insertion order."""
        return [e for n in self._nodes.values() for e in n.in_edges]

    def node(self, name: str | Node) -> Node:
        """The node with this name."""
        if isinstance(name, Node):
            if self._nodes.get(name.name) is not name:
                raise GraphError(f"node '{name.name}' is not in this graph")
            return name
        try:
            return self._nodes[name]
        except KeyError:
            raise GraphError(f"there is no node named '{name}'") from None

    def topological(self) -> list[Node]:
        """All nodes, each after every node feeding it."""
        indegree = {id(n): len(n.in_edges) for n in self._nodes.values()}
        ready = deque(n for n in self._nodes.values() if indegree[id(n)] == 0)
        order: list[Node] = []
        while ready:
            node = ready.popleft()
            order.append(node)
            for e in node.out_edges:
                indegree[id(e.dst.node)] -= 1
                if indegree[id(e.dst.node)] == 0:
                    ready.append(e.dst.node)
        return order

    def unique_name(self, stem: str) -> str:
        """``stem`` if free, else ``stem_1``, ``stem_2``, …"""
        stem = re.sub(r"[^A-Za-z0-9_.\-]", "_", stem) or "node"
        if not re.match(r"[A-Za-z_]", stem):
            stem = "n_" + stem
        if stem not in self._nodes:
            return stem
        i = 1
        while f"{stem}_{i}" in self._nodes:
            i += 1
        return f"{stem}_{i}"

    # ------------------------------------------------------------------ node edits

    def add_node(self, kind: str, params: dict[str, Any] | None = None, name: str | None = None,
                 position: tuple[float, float] = (0.0, 0.0)) -> Node:
        """Add a node; its parameters are validated and completed with defaults."""
        params = self.catalog.normalize_params(kind, dict(params or {}), name)
        if name is None:
            name = self.unique_name(self.catalog.default_name(kind, params))
        self.check_name(name)
        node = Node(self, name, kind, params, (float(position[0]), float(position[1])))
        node._inputs = list(self.catalog.input_ports(kind, params))
        node._outputs = list(self.catalog.output_ports(kind, params))
        node._in_edges = [None] * len(node._inputs)
        node._out_edges = [[] for _ in node._outputs]
        node.out_specs = [None] * len(node._outputs)
        self._nodes[name] = node
        self._infer(node)
        self.node_added.emit(node)
        return node

    def remove_node(self, node: str | Node) -> None:
        """Remove a node and every edge attached to it."""
        node = self.node(node)
        for edge in node.in_edges + node.out_edges:
            self.disconnect(edge)
        del self._nodes[node.name]
        self.node_removed.emit(node)

    def rename(self, node: str | Node, new_name: str) -> None:
        """Give a node another unique name."""
        node = self.node(node)
        if new_name == node.name:
            return
        self.check_name(new_name)
        old = node.name
        self._nodes = {(new_name if k == old else k): v for k, v in self._nodes.items()}
        node.name = new_name
        self.node_renamed.emit(node, old)

    def move(self, node: str | Node, position: tuple[float, float]) -> None:
        """Move a node on the canvas."""
        node = self.node(node)
        node.position = (float(position[0]), float(position[1]))
        self.node_moved.emit(node)

    def set_params(self, node: str | Node, **changes: Any) -> None:
        """Change some parameters of a node; specs downstream are re-inferred.

        If the change removes ports, edges attached to them are removed (and
        ``edge_removed`` is emitted for each).
        """
        node = self.node(node)
        self.replace_params(node, {**node.params, **changes})

    def replace_params(self, node: str | Node, params: dict[str, Any]) -> None:
        """Replace all parameters of a node (what undo uses); see :meth:`set_params`."""
        node = self.node(node)
        normalized = self.catalog.normalize_params(node.kind, dict(params), node.name)
        old = node.params
        if normalized == old:
            return
        node.params = normalized
        self._update_ports(node)
        self.params_changed.emit(node, old)
        self._propagate([node])

    def check_name(self, name: str) -> None:
        """Raise ``GraphError`` (with the sentence to show) unless ``name`` is a valid, free node name."""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise GraphError(
                f"node name {name!r} is not valid: use letters, digits, '_', '-' or '.', "
                "starting with a letter or '_'"
            )
        if name in self._nodes:
            raise GraphError(f"a node named '{name}' already exists")

    def _update_ports(self, node: Node) -> None:
        new_inputs = list(self.catalog.input_ports(node.kind, node.params))
        new_outputs = list(self.catalog.output_ports(node.kind, node.params))
        if new_inputs == node._inputs and new_outputs == node._outputs:
            return
        names_in = [p.name for p in new_inputs]
        kept_in: list[Edge | None] = [None] * len(new_inputs)
        for i, edge in enumerate(node._in_edges):
            if edge is None:
                continue
            name = node._inputs[i].name
            if name in names_in:
                kept_in[names_in.index(name)] = edge
            else:
                self.disconnect(edge)
        kept_out: list[list[Edge]] = [[] for _ in new_outputs]
        for i, edges in enumerate(node._out_edges):
            name = node._outputs[i]
            for edge in list(edges):
                if name in new_outputs:
                    kept_out[new_outputs.index(name)].append(edge)
                else:
                    self.disconnect(edge)
        node._inputs, node._outputs = new_inputs, new_outputs
        node._in_edges, node._out_edges = kept_in, kept_out
        for i, edge in enumerate(kept_in):
            if edge is not None:
                edge.dst.index = i
        for i, edges in enumerate(kept_out):
            for edge in edges:
                edge.src.index = i
        node.out_specs = [None] * len(new_outputs)
        self.ports_changed.emit(node)

    # ------------------------------------------------------------------ edges

    def resolve_output(self, ref: Node | Port | str) -> Port:
        """An output port from a port, a node with one output, or ``"node"``/``"node:port"``."""
        if isinstance(ref, Port):
            if ref.direction != "out":
                raise GraphError(f"{ref.label} is an input; connect from an output")
            self.node(ref.node)
            return ref
        if isinstance(ref, str) and ":" in ref:
            name, port = ref.split(":", 1)
            return self.node(name).output(port)
        return self.node(ref).only_output()

    def resolve_input(self, ref: Node | Port | str) -> Port:
        """An input port from a port, a node (its first free input), or ``"node"``/``"node:port"``."""
        if isinstance(ref, Port):
            if ref.direction != "in":
                raise GraphError(f"{ref.label} is an output; connect to an input")
            self.node(ref.node)
            return ref
        if isinstance(ref, str) and ":" in ref:
            name, port = ref.split(":", 1)
            return self.node(name).input(port)
        return self.node(ref).free_input()

    def verdict_for(self, src: Port, dst: Port) -> Verdict:
        """Whether connecting ``src`` to ``dst`` would work, without changing anything.

        This is what the canvas asks while a new edge is dragged: only pure shape rules run.
        """
        cycle = self._cycle_message(src, dst)
        if cycle:
            return Verdict("error", (cycle,))
        return self._edge_verdict(src.spec, dst, src.label, probe=True)

    def _cycle_message(self, src: Port, dst: Port) -> str | None:
        if src.node is dst.node or self.reaches(dst.node, src.node):
            return f"connecting {src.label} to {dst.label} would make a cycle"
        return None

    def connect(self, src: Node | Port | str, dst: Node | Port | str, force: bool = False) -> Edge:
        """Connect an output to an input.

        Args:
            src: An output port, or a node that has one output.
            dst: An input port, or a node (its first free input).
            force: Add the edge even if the specs do not fit (``check()`` then lists it).

        Raises:
            IncompatiblePorts: the specs do not fit and ``force`` is false.
            GraphError: the input is taken, or the edge would make a cycle.
        """
        s = self.resolve_output(src)
        d = self.resolve_input(dst)
        existing = d.node._in_edges[d.index]
        if existing is not None:
            raise GraphError(
                f"{d.label} is already connected to {existing.src.label}; disconnect it first"
            )
        cycle = self._cycle_message(s, d)
        if cycle:
            raise GraphError(cycle)
        verdict = self._edge_verdict(s.spec, d, s.label, probe=True)
        if not verdict.ok and not force:
            raise IncompatiblePorts(verdict)
        edge = Edge(s, d, verdict)
        d.node._in_edges[d.index] = edge
        s.node._out_edges[s.index].append(edge)
        self.edge_added.emit(edge)
        self._propagate([d.node])
        return edge

    def disconnect(self, edge: Edge) -> None:
        """Remove an edge; the destination and everything below it are re-inferred."""
        dst = edge.dst.node
        if dst._in_edges[edge.dst.index] is not edge:
            raise GraphError(f"there is no edge from {edge.src.label} to {edge.dst.label}")
        dst._in_edges[edge.dst.index] = None
        edge.src.node._out_edges[edge.src.index].remove(edge)
        self.edge_removed.emit(edge)
        if dst.name in self._nodes:
            self._propagate([dst])

    def reaches(self, start: Node, target: Node) -> bool:
        """Whether ``target`` is ``start`` or lies downstream of it."""
        stack, seen = [start], {id(start)}
        while stack:
            node = stack.pop()
            if node is target:
                return True
            for nxt in node.successors:
                if id(nxt) not in seen:
                    seen.add(id(nxt))
                    stack.append(nxt)
        return False

    # ------------------------------------------------------------------ inference

    def _edge_verdict(self, out: TensorSpec | None, dst: Port, src_label: str, probe: bool) -> Verdict:
        if out is None:
            return Verdict()
        expected = dst.expected
        if expected is not None:
            verdict = compare(out, expected, dst=dst.label, src=src_label)
            if verdict.level == "error":
                verdict = verdict.with_suggestions(self.catalog.suggest(out, expected))
            return verdict
        if not probe:
            node = dst.node
            if node.problem is not None and node.problem_port == dst.index:
                return Verdict("error", (node.problem,))
            return Verdict()
        specs = [e.src.spec if e is not None else None for e in dst.node._in_edges]
        specs[dst.index] = out
        try:
            self.catalog.infer(dst.node.kind, dst.node.params, specs)  # type: ignore[arg-type]
        except ShapeError as err:
            if err.port is None or err.port == dst.index or len(specs) == 1:
                return Verdict("error", (f"{dst.label}: {err}",))
        return Verdict()

    def _infer(self, node: Node) -> bool:
        """Recompute one node's outputs and its incoming verdicts; True if its outputs changed."""
        specs = [e.src.spec if e is not None else None for e in node._in_edges]
        old = (list(node.out_specs), node.problem)
        try:
            outs = list(self.catalog.infer(node.kind, node.params, specs))  # type: ignore[arg-type]
            node.problem, node.problem_port = None, None
        except ShapeError as err:
            outs = [None] * len(node._outputs)
            node.problem = f"'{node.name}': {err}"
            node.problem_port = err.port if err.port is not None else (0 if len(specs) == 1 else None)
        if len(outs) != len(node._outputs):
            raise RuntimeError(f"shape rule of {node.kind} gave {len(outs)} outputs for "
                               f"{len(node._outputs)} ports")
        node.out_specs = outs
        for edge in node.in_edges:
            verdict = self._edge_verdict(edge.src.spec, edge.dst, edge.src.label, probe=False)
            if verdict != edge.verdict:
                edge.verdict = verdict
                self.verdict_changed.emit(edge)
        changed = (outs, node.problem) != old
        if changed:
            self.spec_changed.emit(node)
        return changed

    def _propagate(self, starts: Iterable[Node]) -> None:
        """Re-infer ``starts`` and, as far as outputs change, the nodes below them."""
        starts = [n for n in starts if self._nodes.get(n.name) is n]
        region: dict[int, Node] = {}
        stack = list(starts)
        while stack:
            node = stack.pop()
            if id(node) in region:
                continue
            region[id(node)] = node
            stack.extend(node.successors)
        indegree = {k: 0 for k in region}
        for node in region.values():
            for succ in node.successors:
                indegree[id(succ)] += 1
        dirty = {id(n) for n in starts}
        ready = deque(n for n in region.values() if indegree[id(n)] == 0)
        while ready:
            node = ready.popleft()
            if id(node) in dirty and self._infer(node):
                dirty.update(id(s) for s in node.successors)
            for succ in node.successors:
                indegree[id(succ)] -= 1
                if indegree[id(succ)] == 0:
                    ready.append(succ)

    def refresh(self, nodes: Iterable[Node | str] | None = None) -> None:
        """Re-infer the given nodes (all if ``None``) and everything their change affects."""
        targets = self.nodes if nodes is None else [self.node(n) for n in nodes]
        self._propagate(targets)

    # ------------------------------------------------------------------ check

    def check(self) -> list[Problem]:
        """Every structural and shape problem of the graph, errors first."""
        problems: list[Problem] = []
        if self._nodes and not any(n.kind == OUTPUT_KIND for n in self._nodes.values()):
            problems.append(Problem(
                "the graph has no output node: add an 'output' after the last layer",
                code="no-output"))
        if self._nodes and not any(not n._inputs for n in self._nodes.values()):
            problems.append(Problem("the graph has no input node: add an 'input'", code="no-input"))
        for node in self._nodes.values():
            for i, edge in enumerate(node._in_edges):
                port = Port(node, "in", i)
                if edge is None:
                    problems.append(Problem(f"{port.label} is not connected", node.name, port.name,
                                            code="unconnected"))
                elif edge.verdict.level != "ok":
                    problems.append(Problem(
                        f"{edge.src.label} → {port.label}: {edge.verdict.message}",
                        node.name, port.name,
                        "error" if edge.verdict.level == "error" else "warning", "incompatible"))
            if node.problem is not None and not self._problem_on_edge(node):
                problems.append(Problem(node.problem, node.name, code="shape"))
            if node.kind == INPUT_KIND and not node.out_edges:
                problems.append(Problem(f"input '{node.name}' is not used", node.name,
                                        severity="warning", code="unused"))
        problems.sort(key=lambda p: p.severity != "error")
        return problems

    def _problem_on_edge(self, node: Node) -> bool:
        port = node.problem_port
        return port is not None and node._in_edges[port] is not None
