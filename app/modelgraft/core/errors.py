"""The exceptions ModelGraft raises for user errors; each message is one sentence for a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .verdict import Suggestion, Verdict

__all__ = [
    "BuildError",
    "DataError",
    "ExportError",
    "GraphError",
    "IncompatiblePorts",
    "ModelFileError",
    "ModelGraftError",
    "ParamError",
    "ProjectFileError",
    "ShapeError",
    "UnknownKind",
    "UnsafeModelError",
]


class ModelGraftError(Exception):
    """Base class of every error caused by user input; ``str(err)`` is the message to show."""


class GraphError(ModelGraftError, ValueError):
    """An edit the graph refuses: a cycle, an unknown node or port, a second edge into an input."""


class UnknownKind(GraphError):
    """A node kind that does not exist."""


class ParamError(GraphError):
    """A node parameter that is missing, unknown, of the wrong type or out of range.

    Attributes:
        node: The node name, or ``None`` before the node exists.
        field: The parameter name.
    """

    def __init__(self, message: str, node: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.node = node
        self.field = field


class ShapeError(ModelGraftError, ValueError):
    """A shape rule that cannot produce an output for the given inputs.

    Attributes:
        port: Index of the input port at fault, or ``None`` when no single input is.
    """

    def __init__(self, message: str, port: int | None = None) -> None:
        super().__init__(message)
        self.port = port


class IncompatiblePorts(GraphError):
    """A connection whose output spec does not fit the input; the text is the verdict.

    Attributes:
        verdict: The full :class:`~modelgraft.core.verdict.Verdict`.
        suggestions: Adapter chains that would make the connection fit, best first.
    """

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict
        self.suggestions: tuple[Suggestion, ...] = verdict.suggestions


class ModelFileError(ModelGraftError, ValueError):
    """A model file or directory that cannot be read as a model."""


class UnsafeModelError(ModelFileError):
    """A model file that would run code when loaded; pass ``trusted=True`` to load it anyway.

    Attributes:
        findings: Everything the pre-load scan found (``modelgraft.io.Finding`` objects:
            ``path``, ``message``, ``code``), most telling first.
    """

    def __init__(self, message: str, findings: Sequence[Any] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)


class ProjectFileError(ModelGraftError, ValueError):
    """A project file that cannot be read: bad JSON, a bad field, a newer format version."""


class DataError(ModelGraftError, ValueError):
    """A data binding or data file that cannot feed the graph: an unknown node, a missing file,
    an unknown key or column, disagreeing row counts, a shape that does not fit its port."""


class BuildError(ModelGraftError):
    """A graph that cannot be built into a Keras model (``check()`` says why)."""


class ExportError(ModelGraftError):
    """An export that failed or whose verification found different outputs."""
