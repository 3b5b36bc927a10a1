"""The pieces of a graph: nodes, their ports, and the edges between ports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .catalog import PortDecl
from .errors import GraphError
from .spec import TensorSpec
from .verdict import Verdict

if TYPE_CHECKING:
    from .graph import Graph

__all__ = ["Edge", "Node", "Port"]

Direction = Literal["in", "out"]


class Port:
    """One input or output of a node, addressed by node and index.

    Ports are light views: two ``Port`` objects for the same node, direction and index
    are equal. ``spec`` is what flows there: for an output, the spec it produces; for an
    input, the spec it requires if it declares one, else the spec arriving through its edge.
    """

    __slots__ = ("node", "direction", "index")

    def __init__(self, node: Node, direction: Direction, index: int) -> None:
        self.node = node
        self.direction = direction
        self.index = index

    @property
    def name(self) -> str:
        """The port name."""
        if self.direction == "in":
            return self.node._inputs[self.index].name
        return self.node._outputs[self.index]

    @property
    def expected(self) -> TensorSpec | None:
        """For inputs, the spec the port requires, if it declares one."""
        return self.node._inputs[self.index].expected if self.direction == "in" else None

    @property
    def incoming(self) -> TensorSpec | None:
        """For inputs, the spec arriving through the connected edge."""
        if self.direction != "in":
            return None
        edge = self.node._in_edges[self.index]
        return edge.src.spec if edge is not None else None

    @property
    def spec(self) -> TensorSpec | None:
        """The spec at this port (``None`` while unknown)."""
        if self.direction == "out":
            return self.node.out_specs[self.index]
        return self.expected or self.incoming

    @property
    def edges(self) -> list[Edge]:
        """The edges attached to this port (at most one for an input)."""
        if self.direction == "in":
            edge = self.node._in_edges[self.index]
            return [] if edge is None else [edge]
        return list(self.node._out_edges[self.index])

    @property
    def label(self) -> str:
        """How messages name this port, e.g. ``"'clf' input 'feat'"`` or ``"'enc' output"``
        (the port name is left out where it adds nothing: a port called ``input`` or
        ``output``, or a node's only output)."""
        word = "input" if self.direction == "in" else "output"
        count = len(self.node._inputs) if self.direction == "in" else len(self.node._outputs)
        if self.name == word or (count == 1 and self.direction == "out"):
            return f"'{self.node.name}' {word}"
        return f"'{self.node.name}' {word} '{self.name}'"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Port)
            and other.node is self.node
            and other.direction == self.direction
            and other.index == self.index
        )

    def __hash__(self) -> int:
        return hash((id(self.node), self.direction, self.index))

    def __repr__(self) -> str:
        return f"<Port {self.node.name}.{self.direction}[{self.index}] {self.name!r} {self.spec}>"


@dataclass(eq=False)
class Edge:
    """A connection from an output port to an input port.

    Attributes:
        src: The output port.
        dst: The input port.
        verdict: Whether the spec arriving fits the input, kept current by the graph.
    """

    src: Port
    dst: Port
    verdict: Verdict = field(default_factory=Verdict)

    def key(self) -> tuple[str, str, str, str]:
        """``(src node, src port, dst node, dst port)`` names, stable across sessions."""
        return (self.src.node.name, self.src.name, self.dst.node.name, self.dst.name)

    def __repr__(self) -> str:
        s, sp, d, dp = self.key()
        return f"<Edge {s}.{sp} -> {d}.{dp} {self.verdict.level}>"


class Node:
    """A node of the graph: a kind, parameters, ports and the specs it currently produces.

    Nodes are created and changed only through their :class:`~modelgraft.core.graph.Graph`,
    which keeps specs, verdicts and events consistent.

    Attributes:
        name: Unique within the graph and stable; also the Keras layer name.
        kind: The node kind, e.g. ``"reshape"`` or ``"model"``.
        params: Validated parameters (treat as read-only; edit with ``Graph.set_params``).
        position: Canvas position ``(x, y)``.
        out_specs: Current spec of each output (``None`` while unknown).
        problem: Why the shape rule failed for the current inputs, if it did.
    """

    def __init__(self, graph: Graph, name: str, kind: str, params: dict[str, Any],
                 position: tuple[float, float]) -> None:
        self.graph = graph
        self.name = name
        self.kind = kind
        self.params = params
        self.position = position
        self._inputs: list[PortDecl] = []
        self._outputs: list[str] = []
        self._in_edges: list[Edge | None] = []
        self._out_edges: list[list[Edge]] = []
        self.out_specs: list[TensorSpec | None] = []
        self.problem: str | None = None
        self.problem_port: int | None = None

    @property
    def inputs(self) -> list[Port]:
        """The input ports, in order."""
        return [Port(self, "in", i) for i in range(len(self._inputs))]

    @property
    def outputs(self) -> list[Port]:
        """The output ports, in order."""
        return [Port(self, "out", i) for i in range(len(self._outputs))]

    def input(self, key: int | str = 0) -> Port:
        """An input port by index or name."""
        return Port(self, "in", self._index(key, [p.name for p in self._inputs], "input"))

    def output(self, key: int | str = 0) -> Port:
        """An output port by index or name."""
        return Port(self, "out", self._index(key, self._outputs, "output"))

    def _index(self, key: int | str, names: list[str], word: str) -> int:
        if isinstance(key, int) and not isinstance(key, bool):
            if -len(names) <= key < len(names):
                return key % len(names)
            raise GraphError(f"node '{self.name}' has {len(names)} {word}s; there is no {word} {key}")
        if key in names:
            return names.index(key)
        known = ", ".join(repr(n) for n in names) or "none"
        raise GraphError(f"node '{self.name}' has no {word} named {key!r} (its {word}s: {known})")

    def free_input(self) -> Port:
        """The first unconnected input port."""
        for i, edge in enumerate(self._in_edges):
            if edge is None:
                return Port(self, "in", i)
        raise GraphError(f"every input of node '{self.name}' is already connected")

    def only_output(self) -> Port:
        """The output port of a node that has exactly one."""
        if len(self._outputs) != 1:
            names = ", ".join(repr(n) for n in self._outputs)
            raise GraphError(f"node '{self.name}' has {len(self._outputs)} outputs ({names}); name one")
        return Port(self, "out", 0)

    @property
    def predecessors(self) -> list[Node]:
        """Nodes feeding this node's inputs."""
        return [e.src.node for e in self._in_edges if e is not None]

    @property
    def successors(self) -> list[Node]:
        """Nodes fed by this node's outputs (each once)."""
        seen: dict[int, Node] = {}
        for edges in self._out_edges:
            for e in edges:
                seen.setdefault(id(e.dst.node), e.dst.node)
        return list(seen.values())

    @property
    def in_edges(self) -> list[Edge]:
        """Edges into this node, by input order."""
        return [e for e in self._in_edges if e is not None]

    @property
    def out_edges(self) -> list[Edge]:
        """Edges out of this node."""
        return [e for edges in self._out_edges for e in edges]

    def __repr__(self) -> str:
        return f"<Node {self.name!r} {self.kind}>"
