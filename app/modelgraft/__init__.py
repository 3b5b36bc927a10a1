"""ModelGraft: graft trained Keras models together with adapters and merges.

Importing this package does not import TensorFlow; the engine imports it on first use.
"""

from __future__ import annotations

from .core.errors import (
    BuildError,
    DataError,
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
from .core.problems import Problem
from .core.spec import TensorSpec
from .project import Project

__version__ = "0.1.0"

__all__ = [
    "BuildError", "DataError", "ExportError", "GraphError", "IncompatiblePorts", "ModelFileError",
    "ModelGraftError", "ParamError", "Problem", "Project", "ProjectFileError", "ShapeError",
    "TensorSpec", "UnknownKind", "UnsafeModelError", "__version__",
]
