"""Exporting the composite: a ``.keras`` file, a SavedModel directory, or a Python script."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..core.errors import ExportError
from ..core.graph import Graph
from ..io.atomic import atomic_path, atomic_write_text
from .script_export import script_source, weights_path
from .verify import verify_export

if TYPE_CHECKING:
    from .session import EngineSession

__all__ = ["FORMATS", "ExportResult", "export"]

FORMATS = ("keras", "savedmodel", "python")


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and how it was checked.

    Attributes:
        path: The file or directory written.
        format: ``keras``, ``savedmodel`` or ``python``.
        verified: Whether a fresh process reloaded it and reproduced the outputs.
        message: One sentence for the user, e.g. ``"verified: outputs match on 8 probe samples"``.
    """

    path: str
    format: str
    verified: bool
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _savedmodel_parts(session: EngineSession, graph: Graph) -> list[str]:
    return [n.name for n in graph if n.kind == "model" and session.loaded(n).format == "savedmodel"]


def export(session: EngineSession, graph: Graph, name: str, path: str, fmt: str,
           verify: bool = False) -> ExportResult:
    """Build the graph and write it in ``fmt``; atomic, so a failed export leaves no file.

    Runs on the engine thread.

    Raises:
        ExportError: unknown format, a composite that cannot be a portable ``.keras``, or a
            failed verification.
        BuildError: the graph does not build.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format '{fmt}'; choose one of {', '.join(FORMATS)}")
    base = os.path.basename(path)
    model = session.build(graph, name)
    if fmt == "keras":
        if not path.endswith(".keras"):
            raise ExportError(f"'{base}': a Keras export needs a file name ending in .keras")
        parts = _savedmodel_parts(session, graph)
        if parts:
            raise ExportError(
                f"'{base}': the composite contains the SavedModel part '{parts[0]}', which a .keras "
                "file cannot carry portably (it would keep an absolute path and need unsafe loading); "
                "export as a SavedModel instead (format 'savedmodel')")
        with atomic_path(path) as tmp:
            model.save(tmp)
    elif fmt == "savedmodel":
        with atomic_path(path) as tmp:
            model.export(str(tmp), format="tf_saved_model", verbose=False)
    else:
        if not path.endswith(".py"):
            raise ExportError(f"'{base}': a Python export needs a file name ending in .py")
        with atomic_path(weights_path(path)) as tmp:
            model.save_weights(tmp)
        atomic_write_text(path, script_source(session, graph, name, path))
    if not verify:
        return ExportResult(path, fmt, False, "exported (not verified)")
    return ExportResult(path, fmt, True, verify_export(model, graph, path, fmt))
