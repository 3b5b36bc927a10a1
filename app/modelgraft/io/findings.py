"""What the pre-load scans report: one thing in a model file that would run code or touch files."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One thing in a model file that would run code (or reach outside the file) when loaded.

    A finding can be accepted by trusting the file; damage that no trust can make safe
    (a zip bomb, a path leaving the archive) is raised as ``ModelFileError`` instead.

    Attributes:
        path: Where it is: layer names from the top model down joined by ``/``
            (``outer/inner/lambda_1``), or ``function/node`` in a SavedModel graph.
        message: One sentence naming the file, the place and what would run.
        code: What kind of finding it is, e.g. ``lambda``, ``bytecode``, ``tfsm``,
            ``custom``, ``class``, ``module``, ``vocabulary``, ``op``.
    """

    path: str
    message: str
    code: str

    def __str__(self) -> str:
        return self.message
