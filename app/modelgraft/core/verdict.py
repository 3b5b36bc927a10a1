"""Compatibility verdicts between an output spec and the spec an input port expects."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .spec import TensorSpec, format_shape

__all__ = ["AdapterStep", "Suggestion", "Verdict", "compare"]

Level = Literal["ok", "warning", "error"]


@dataclass(frozen=True)
class AdapterStep:
    """One adapter node to insert: its kind and its parameters, ready to use."""

    kind: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def param_dict(self) -> dict[str, Any]:
        """The parameters as a dict."""
        return dict(self.params)

    def __str__(self) -> str:
        label = self.kind.replace("_", " ").title().replace(" ", "")
        if not self.params:
            return label
        shown = ", ".join(_show(v) for _, v in self.params)
        return f"{label} {shown}"

    @classmethod
    def of(cls, kind: str, **params: Any) -> AdapterStep:
        """Build a step from keyword parameters."""
        return cls(kind, tuple(params.items()))


def _show(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return format_shape(value, batch=False)
    return str(value)


@dataclass(frozen=True)
class Suggestion:
    """A chain of adapters that makes an output fit an input, with a label for menus.

    Attributes:
        steps: The adapters, in data-flow order.
        result: The spec the chain produces from the output it was made for.
        trainable: True when the chain adds trainable weights (a dense projection).
    """

    steps: tuple[AdapterStep, ...]
    result: TensorSpec | None = None
    trainable: bool = False

    @property
    def label(self) -> str:
        """E.g. ``"Insert Reshape (1, 10)"`` or ``"Insert Flatten → Cast float16"``."""
        return "Insert " + " → ".join(str(s) for s in self.steps)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Verdict:
    """Whether an output fits an input, why not, and what would fix it.

    Attributes:
        level: ``"ok"``, ``"warning"`` (builds, but look) or ``"error"`` (will not build).
        reasons: One sentence per axis or dtype at fault.
        suggestions: Adapter chains that would make it fit, best first.
    """

    level: Level = "ok"
    reasons: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True unless the verdict is an error."""
        return self.level != "error"

    @property
    def message(self) -> str:
        """All reasons joined, or ``"compatible"``."""
        return "; ".join(self.reasons) if self.reasons else "compatible"

    def with_suggestions(self, suggestions: tuple[Suggestion, ...]) -> Verdict:
        """Return a copy carrying the given suggestions."""
        return replace(self, suggestions=suggestions)

    def __str__(self) -> str:
        return self.message


def compare(out: TensorSpec, expected: TensorSpec, dst: str = "the input", src: str = "the output") -> Verdict:
    """Compare the spec an output gives with the spec an input expects.

    Axes are numbered as Keras numbers them, the batch axis being axis 0.

    Args:
        out: The spec the output port produces.
        expected: The spec the input port expects.
        dst: How to name the input in messages, e.g. ``"'clf' input 'feat'"``.
        src: How to name the output in messages, e.g. ``"'enc' output"``.

    Returns:
        The verdict, without suggestions (the node catalog adds those).
    """
    errors: list[str] = []
    warnings: list[str] = []
    if out.rank != expected.rank:
        errors.append(
            f"rank: {dst} expects {format_shape(expected.shape)} ({_axes(expected.rank)}), "
            f"{src} gives {format_shape(out.shape)} ({_axes(out.rank)})"
        )
    else:
        for axis, (have, want) in enumerate(zip(out.shape, expected.shape), start=1):
            if want is None or have == want:
                continue
            if have is None:
                if out.ragged:
                    errors.append(f"axis {axis}: {dst} expects {want}, {src} gives variable lengths")
                else:
                    warnings.append(
                        f"axis {axis}: {dst} expects {want}, {src} length is only known at run time"
                    )
                continue
            errors.append(f"axis {axis}: {dst} expects {want}, {src} gives {have}")
    if out.dtype != expected.dtype:
        errors.append(f"dtype: {dst} expects {expected.dtype}, {src} gives {out.dtype}")
    if errors:
        return Verdict("error", tuple(errors + warnings))
    if warnings:
        return Verdict("warning", tuple(warnings))
    return Verdict()


def _axes(n: int) -> str:
    return f"{n} axis" if n == 1 else f"{n} axes"
