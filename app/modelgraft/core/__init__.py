"""Pure-Python core: tensor specs, verdicts, the Graph document, problems and errors."""

from __future__ import annotations

from .catalog import Catalog, PortDecl
from .elements import Edge, Node, Port
from .errors import (
    BuildError,
    ExportError,
    GraphError,
    IncompatiblePorts,
    ModelFileError,
    ModelGraftError,
    ParamError,
    ProjectFileError,
    ShapeError,
    UnknownKind,
    UnsafeModelError,
)
from .graph import INPUT_KIND, OUTPUT_KIND, Graph
from .problems import Problem
from .spec import DTYPES, TensorSpec
from .verdict import AdapterStep, Suggestion, Verdict, compare

__all__ = [
    "DTYPES", "INPUT_KIND", "OUTPUT_KIND", "AdapterStep", "BuildError", "Catalog", "Edge",
    "ExportError", "Graph", "GraphError", "IncompatiblePorts", "ModelFileError",
    "ModelGraftError", "Node", "ParamError", "Port", "PortDecl", "Problem", "ProjectFileError",
    "ShapeError", "Suggestion", "TensorSpec", "UnknownKind", "UnsafeModelError", "Verdict",
    "compare",
]
