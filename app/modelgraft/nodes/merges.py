"""Merge node kinds: several inputs, one output (concatenate, element-wise, dot, stack).

Each rule says exactly what the Keras 3 layer the engine builds for it says (checked by a
property-based test against keras 3.15), with these deliberate exceptions, where Keras
would accept the graph symbolically but then fail or silently misbehave at run time:

* **Dtypes.** Keras merge layers run under the float32 dtype policy: floating-point
  inputs are cast to float32, and integer or bool inputs mixed with a float input are
  promoted to float32, so the output is always float32. When *no* input is floating
  point, Keras declares a float32 result but computes integers (``average`` of int32:
  float64), so the next layer gets something other than it was built for; the rules
  refuse that and suggest a cast (even for the few cases Keras gets right, such as
  ``average`` of uint8, to keep one rule). ``dot`` with ``normalize`` needs every input
  floating point (the L2 normalisation fails on integers at run time). ``stack`` (our
  own layer) casts every input to float32, so it takes integer-only and bool inputs. Bool inputs are refused elsewhere (TensorFlow
  has no bool arithmetic, so ``add`` of two bools fails at run time; ``concatenate``
  refuses them too, to keep one rule), as are strings.
* **The batch axis.** An ``axis`` that is (or a negative one that resolves to) the batch
  axis 0 is refused: concatenating or dotting along the batch breaks training.
* **Conflicts behind an unknown length.** Keras compares each element-wise input with
  the broadcast of the inputs before it, so (2,), (None,), (3,) passes; the rules
  compare every known length and refuse it, since it can never run.
* **Ranks in concatenate.** Keras can miss inputs of different ranks when the joined
  axis has an unknown length; such a concatenation fails when run.
* **Scalars per sample.** ``concatenate`` and ``dot`` need at least one sample axis.
* **Out-of-range axes.** ``dot`` refuses negative axes beyond the rank, which Keras
  silently wraps around.

Axes are numbered as Keras numbers them: axis 0 is the batch axis, axis 1 the first
sample axis, negative axes count from the end.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from ..core.catalog import PortDecl
from ..core.errors import ParamError, ShapeError
from ..core.spec import TensorSpec, format_shape
from .base import Param, kind

__all__ = ["ELEMENTWISE", "MAX_INPUTS", "dot_axes", "merge_dtype", "variadic_ports"]

MAX_INPUTS = 16
ELEMENTWISE = ("add", "subtract", "multiply", "average", "maximum", "minimum")

Shape = tuple[int | None, ...]

_INPUTS = Param("inputs", "int", 2, minimum=2, maximum=MAX_INPUTS, doc="Number of input ports.")
_PAIR = ("in_0", "in_1")


def variadic_ports(params: dict[str, Any]) -> list[PortDecl]:
    """Input ports ``in_0`` … ``in_{n-1}`` for the ``inputs`` parameter ``n``."""
    return [PortDecl(f"in_{i}") for i in range(params["inputs"])]


def merge_dtype(name: str, inputs: Sequence[TensorSpec], casts: bool = False) -> str:
    """The output dtype of a merge under Keras's default (float32) dtype policy.

    Args:
        name: The kind name, for messages.
        inputs: The input specs, in port order.
        casts: Whether the layer casts every input to float32 itself (``stack``), so
            integer-only inputs are fine.

    Returns:
        Always ``"float32"``.

    Raises:
        ShapeError: An input holds strings or bools, or no input is floating point.
    """
    for i, spec in enumerate(inputs):
        if spec.dtype == "string":
            raise ShapeError(f"{name}: in_{i} holds strings; merges combine numbers", port=i)
        if spec.dtype == "bool" and not casts:
            raise ShapeError(f"{name}: in_{i} is bool; merges need numbers, so insert a Cast to "
                             f"float32 before in_{i}", port=i)
    if not casts and not any(spec.is_float for spec in inputs):
        listed = ", ".join(f"in_{i} is {s.dtype}" for i, s in enumerate(inputs))
        raise ShapeError(
            f"{name}: no input is floating point ({listed}); Keras would declare a float32 "
            "result but compute integers, so insert a Cast to float32 before the inputs")
    return "float32"


def _result(name: str, inputs: Sequence[TensorSpec], shape: Shape) -> list[TensorSpec | None]:
    ragged = any(s.ragged for s in inputs) and None in shape
    return [TensorSpec(shape, merge_dtype(name, inputs, casts=name == "stack"), ragged)]


def _fmt(shape: Shape) -> str:
    return format_shape(shape)


def _len(d: int | None) -> str:
    return "an unknown length" if d is None else str(d)


def _axis_range(rank: int) -> str:
    return f"use 1 to {rank} or -1 to -{rank} (axis 0 is the batch axis)"


def _resolve(axis: int, rank: int) -> int | None:
    """A Keras axis (batch = 0) as a sample-axis index, or ``None`` if it is not a sample axis."""
    full = axis if axis >= 0 else axis + rank + 1
    return full - 1 if 1 <= full <= rank else None


def _nonzero_axis(params: dict[str, Any]) -> None:
    if params["axis"] == 0:
        raise ParamError("parameter 'axis' cannot be 0, the batch axis; use 1 for the first "
                         "sample axis or -1 for the last", field="axis")


# ---------------------------------------------------------------------------- element-wise


def _broadcast(before: Shape, shape: Shape) -> Shape:
    """Keras's ``Merge._compute_elemwise_op_output_shape``: NumPy broadcasting, but an
    unknown length on either side gives an unknown length (conflicts are checked apart)."""
    n = min(len(before), len(shape))
    longer = before if len(before) >= len(shape) else shape
    out = list(longer[: len(longer) - n])
    for x, y in zip(before[len(before) - n:], shape[len(shape) - n:]):
        out.append(None if x is None or y is None else y if x == 1 else x)
    return tuple(out)


def _check_lengths(name: str, inputs: Sequence[TensorSpec]) -> None:
    """Refuse two known lengths other than 1 that differ on an axis, aligned from the end.

    Keras only compares each input with the broadcast of the inputs before it, so an
    unknown length in between hides the conflict until the model runs and fails.
    """
    seen: dict[int, int] = {}  # axis counted from the end -> first input with a length > 1 there
    for i, spec in enumerate(inputs):
        for back in range(1, spec.rank + 1):
            y = spec.shape[-back]
            if y is None or y == 1:
                continue
            ref = seen.setdefault(back, i)
            x = inputs[ref].shape[-back]
            if x != y:
                where = f"axis {spec.rank - back + 1}"
                if inputs[ref].rank != spec.rank:
                    where += f" of in_{i} (lined up with axis {inputs[ref].rank - back + 1} of in_{ref})"
                raise ShapeError(
                    f"{name}: in_{i} has {_fmt(spec.shape)} but in_{ref} has {_fmt(inputs[ref].shape)}; "
                    f"{where} must match ({y} vs {x}) or be 1 on one side", port=i)


def _elementwise_rule(name: str, doc: str) -> Callable[[dict[str, Any], list[TensorSpec]], list[TensorSpec | None]]:
    def rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
        _check_lengths(name, inputs)
        shape = inputs[0].shape
        for spec in inputs[1:]:
            shape = _broadcast(shape, spec.shape)
        return _result(name, inputs, shape)

    rule.__name__ = f"{name}_rule"
    rule.__doc__ = doc
    return rule


_BROADCAST_DOC = (
    "The inputs must have the same shape, except that an axis of length 1 stretches to "
    "match the others and an input with fewer axes lines up with their last axes, as in "
    "NumPy. The result is float32.")

_ELEMENTWISE_KINDS = (
    ("add", "Add", "Adds the inputs element by element."),
    ("subtract", "Subtract", "Subtracts in_1 from in_0 element by element."),
    ("multiply", "Multiply", "Multiplies the inputs element by element (gating, attention weights)."),
    ("average", "Average", "Averages the inputs element by element (a simple ensemble)."),
    ("maximum", "Maximum", "Takes the element-wise maximum of the inputs."),
    ("minimum", "Minimum", "Takes the element-wise minimum of the inputs."),
)

def _register_elementwise() -> None:
    for name, title, what in _ELEMENTWISE_KINDS:
        binary = name == "subtract"
        kind(name, "merge", title, params=[] if binary else [_INPUTS],
             inputs=_PAIR if binary else variadic_ports)(_elementwise_rule(name, f"{what} {_BROADCAST_DOC}"))


_register_elementwise()


# ---------------------------------------------------------------------------- concatenate


@kind("concatenate", "merge", "Concatenate", params=[
    Param("axis", "int", -1, doc="Axis to join along (1 = first axis after the batch, -1 = last)."),
    _INPUTS,
], inputs=variadic_ports, validate=_nonzero_axis)
def concatenate_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Joins the inputs end to end along one axis, e.g. two feature vectors of 10 and 20
    values into one of 30. All other axes must match; the joined axis adds up. The result
    is float32.
    """
    first = inputs[0].shape
    for i, spec in enumerate(inputs):
        if spec.rank == 0:
            raise ShapeError(f"concatenate: in_{i} has {_fmt(spec.shape)}, one value per sample; "
                             "concatenation needs at least one axis after the batch axis", port=i)
        if spec.rank != len(first):
            raise ShapeError(f"concatenate: in_{i} has {_fmt(spec.shape)} but in_0 has {_fmt(first)}; "
                             "all inputs need the same number of axes", port=i)
    axis = params["axis"]
    at = _resolve(axis, len(first))
    if at is None:
        raise ShapeError(f"concatenate: axis {axis} does not exist in {_fmt(first)}; "
                         f"{_axis_range(len(first))}")
    for i, spec in enumerate(inputs[1:], start=1):
        for k, d in enumerate(spec.shape):
            ref = next((j for j in range(i) if inputs[j].shape[k] is not None), None)
            if k != at and d is not None and ref is not None and d != inputs[ref].shape[k]:
                raise ShapeError(
                    f"concatenate: in_{i} has {_fmt(spec.shape)} but in_{ref} has "
                    f"{_fmt(inputs[ref].shape)}; all axes but axis {at + 1} must match", port=i)
    lengths = [s.shape[at] for s in inputs]
    joined = None if None in lengths else sum(lengths)  # type: ignore[arg-type]
    return _result("concatenate", inputs, first[:at] + (joined,) + first[at + 1:])


# ---------------------------------------------------------------------------- dot


def dot_axes(value: Any) -> tuple[int, int] | int:
    """The ``axes`` parameter of ``dot`` as an int or a tuple of two ints.

    Raises:
        ParamError: The value is neither a non-zero axis nor a pair of them.
    """
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if (isinstance(value, (list, tuple)) and len(items) != 2) \
            or any(isinstance(a, bool) or not isinstance(a, int) for a in items):
        raise ParamError("parameter 'axes' must be an axis or a pair of axes [axis of in_0, "
                         f"axis of in_1], got {value!r}", field="axes")
    if 0 in items:
        raise ParamError("parameter 'axes' cannot include 0, the batch axis; use 1 for the first "
                         "sample axis or -1 for the last", field="axes")
    return (items[0], items[1]) if len(items) == 2 else items[0]


def _dot_validate(params: dict[str, Any]) -> None:
    dot_axes(params["axes"])


@kind("dot", "merge", "Dot product", params=[
    Param("axes", "json", -1,
          doc="Axis to sum over, or a pair [axis of in_0, axis of in_1] (-1 = last axis)."),
    Param("normalize", "bool", False,
          doc="L2-normalise both inputs along the axes first, giving cosine similarities."),
], inputs=_PAIR, validate=_dot_validate)
def dot_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Multiplies in_0 and in_1 sample by sample and sums over one axis of each, like
    keras.layers.Dot: two (None, 8) vectors give their (None, 1) dot product, and
    (None, 5, 8) with (None, 7, 8) over axis 2 gives a (None, 5, 7) score matrix. The two
    summed axes must have the same known length; with normalize on, the result is the
    cosine similarity. The result is float32.
    """
    axes = dot_axes(params["axes"])
    pair = (axes, axes) if isinstance(axes, int) else axes
    at: list[int] = []
    for i, (spec, axis) in enumerate(zip(inputs, pair)):
        if spec.rank == 0:
            raise ShapeError(f"dot: in_{i} has {_fmt(spec.shape)}, one value per sample; "
                             "a dot product needs at least one axis after the batch axis", port=i)
        k = _resolve(axis, spec.rank)
        if k is None:
            raise ShapeError(f"dot: axis {axis} does not exist in in_{i} {_fmt(spec.shape)}; "
                             f"{_axis_range(spec.rank)}", port=i)
        at.append(k)
    a, b = inputs[0].shape, inputs[1].shape
    if a[at[0]] != b[at[1]]:
        raise ShapeError(
            f"dot: axis {at[1] + 1} of in_1 {_fmt(b)} has {_len(b[at[1]])} but axis {at[0] + 1} of "
            f"in_0 {_fmt(a)} has {_len(a[at[0]])}; the summed axes must have the same known length",
            port=1)
    if params["normalize"]:
        for i, spec in enumerate(inputs):
            if not spec.is_float:
                raise ShapeError(f"dot: in_{i} is {spec.dtype} but normalize needs floating-point "
                                 f"inputs; insert a Cast to float32 before in_{i}", port=i)
    shape = a[: at[0]] + a[at[0] + 1:] + b[: at[1]] + b[at[1] + 1:]
    return _result("dot", inputs, shape or (1,))


# ---------------------------------------------------------------------------- stack


@kind("stack", "merge", "Stack", params=[
    Param("axis", "int", 1, doc="Position of the new axis in the result (1 = right after the batch)."),
    _INPUTS,
], inputs=variadic_ports, validate=_nonzero_axis)
def stack_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Stacks equally shaped inputs along a new axis, e.g. three (None, 64) embeddings into
    one (None, 3, 64) sequence. An unknown length in one input takes the known length of
    the others. Every input is cast to float32, so the result is float32.
    """
    shape = list(inputs[0].shape)
    for i, spec in enumerate(inputs[1:], start=1):
        if spec.rank != len(shape):
            raise ShapeError(f"stack: in_{i} has {_fmt(spec.shape)} but in_0 has {_fmt(inputs[0].shape)}; "
                             "stacked inputs need the same shape", port=i)
        for k, d in enumerate(spec.shape):
            if d is not None and shape[k] is not None and d != shape[k]:
                ref = next(j for j in range(i) if inputs[j].shape[k] is not None)
                raise ShapeError(
                    f"stack: in_{i} has {_fmt(spec.shape)} but in_{ref} has {_fmt(inputs[ref].shape)}; "
                    f"stacked inputs need the same shape (axis {k + 1} differs)", port=i)
            shape[k] = d if shape[k] is None else shape[k]
    axis = params["axis"]
    at = _resolve(axis, len(shape) + 1)
    if at is None:
        raise ShapeError(f"stack: axis {axis} does not exist in the stacked result "
                         f"{_fmt(tuple(shape) + (len(inputs),))}; {_axis_range(len(shape) + 1)}")
    shape.insert(at, len(inputs))
    return _result("stack", inputs, tuple(shape))
