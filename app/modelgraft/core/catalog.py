"""The protocol through which the Graph asks node kinds for their ports and shape rules.

The Graph lives in ``core`` and knows no node kind; ``modelgraft.nodes`` provides the
catalog that implements this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from .spec import TensorSpec
from .verdict import Suggestion

__all__ = ["Catalog", "PortDecl"]


@dataclass(frozen=True)
class PortDecl:
    """A port as a node kind declares it.

    Attributes:
        name: The port name, unique among the node's inputs (or outputs).
        expected: For inputs, the spec the port requires (a model's input), or ``None``
            when the kind's shape rule decides what it accepts.
    """

    name: str
    expected: TensorSpec | None = None


class Catalog(Protocol):
    """What the Graph needs from node kinds."""

    def normalize_params(self, kind: str, params: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        """Validate ``params`` for ``kind``, fill defaults, return a new dict.

        Raises:
            UnknownKind: ``kind`` does not exist.
            ParamError: a parameter is unknown, missing, mistyped or out of range.
        """
        ...

    def input_ports(self, kind: str, params: dict[str, Any]) -> list[PortDecl]:
        """The input ports of a node of this kind with these parameters, in order."""
        ...

    def output_ports(self, kind: str, params: dict[str, Any]) -> list[str]:
        """The output port names, in order."""
        ...

    def infer(self, kind: str, params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
        """The output specs for these input specs (``None`` = not known yet).

        Raises:
            ShapeError: the inputs do not fit this node.
        """
        ...

    def suggest(self, out: TensorSpec, expected: TensorSpec) -> tuple[Suggestion, ...]:
        """Adapter chains that turn ``out`` into something ``expected`` accepts, best first."""
        ...

    def default_name(self, kind: str, params: dict[str, Any]) -> str:
        """The stem of an automatic node name, e.g. ``"reshape"``."""
        ...
