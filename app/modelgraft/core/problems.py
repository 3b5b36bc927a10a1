"""Problems found by ``check()``: what is wrong, where, and how bad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Problem", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing that keeps the graph from building, or deserves a look.

    Attributes:
        message: One sentence naming the node, port or field at fault.
        node: The node name, or ``None`` for graph-wide problems.
        port: The port name, when one port is at fault.
        severity: ``"error"`` blocks building; ``"warning"`` does not.
        code: A stable identifier of the kind of problem (for tools and tests).
    """

    message: str
    node: str | None = None
    port: str | None = None
    severity: Severity = "error"
    code: str = "problem"

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        """Serialise to a JSON-compatible dict."""
        return {
            "severity": self.severity,
            "code": self.code,
            "node": self.node,
            "port": self.port,
            "message": self.message,
        }
