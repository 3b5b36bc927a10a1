"""Adapter node kinds: one input, one output, a pure shape rule each.

Axes are numbered as Keras numbers them: axis 0 is the batch axis, axis 1 the first
sample axis, and negative axes count from the end. Shape-only adapters (reshape, flatten,
expand_dims, squeeze, permute, pad, slice) keep the input dtype; adapters that compute
(normalize, rescale, dense, embedding, one_hot, resize) output float32; cast outputs the
dtype it is given. The engine builds the matching Keras layers in
:mod:`modelgraft.engine.adapter_layers`, and a property-based test checks every rule
against them.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.errors import ParamError, ShapeError
from ..core.spec import DTYPES, TensorSpec, format_shape
from .base import Param, kind

__all__ = ["CAST_DTYPES", "INTERPOLATIONS", "NORMALIZE_STATS"]

CAST_DTYPES = tuple(d for d in DTYPES if d != "string")
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
NORMALIZE_STATS = {"standardize": ("mean", "variance"), "minmax": ("minimum", "maximum")}

_INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "int32": (-2**31, 2**31 - 1),
    "int64": (-2**63, 2**63 - 1), "uint8": (0, 2**8 - 1), "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1), "uint64": (0, 2**64 - 1), "bool": (0, 1),
}


# --- helpers -----------------------------------------------------------------------------


def _sample_axis(axis: int, spec: TensorSpec, what: str) -> int:
    """The 0-based sample-axis index of Keras ``axis`` in ``spec`` (batch axis excluded)."""
    full = spec.rank + 1
    index = axis + full if axis < 0 else axis
    if not 1 <= index < full:
        if spec.rank == 0:
            raise ShapeError(f"{what} needs an axis besides the batch axis, but the input "
                             f"{format_shape(spec.shape)} has none", port=0)
        raise ShapeError(f"axis {axis} does not exist in the input {format_shape(spec.shape)}: "
                         f"{what} takes axes 1 to {spec.rank} (or -1 to -{spec.rank})", port=0)
    return index - 1


def _not_batch(params: dict[str, Any]) -> None:
    if params["axis"] == 0:
        raise ParamError("parameter 'axis' cannot be 0, the batch axis; use 1 for the first "
                         "sample axis or -1 for the last", field="axis")


def _no_text(spec: TensorSpec, what: str) -> None:
    if spec.dtype == "string":
        raise ShapeError(f"{what} needs numbers, but the input holds text (dtype string)", port=0)


def _need_int(spec: TensorSpec, what: str) -> None:
    if not spec.is_int:
        raise ShapeError(f"{what} needs integer ids, but the input dtype is {spec.dtype}; "
                         "insert a cast to int32 first", port=0)


def _dims(shape: tuple[int | None, ...]) -> str:
    return format_shape(shape, batch=False)


def _count(n: int) -> str:
    return f"{n} value" if n == 1 else f"{n} values"


# --- reshape, flatten, expand_dims, squeeze, permute -------------------------------------


def _check_target_shape(params: dict[str, Any]) -> None:
    target = params["target_shape"]
    if any(d == 0 for d in target):
        raise ParamError(f"parameter 'target_shape' {_dims(target)} has a 0; lengths must be "
                         "positive (or -1 once, to infer one)", field="target_shape")
    if target.count(-1) > 1:
        raise ParamError(f"parameter 'target_shape' {_dims(target)} has more than one -1; only "
                         "one length can be inferred", field="target_shape")


@kind("reshape", "adapter", "Reshape", params=[
    Param("target_shape", "ints", minimum=-1,
          doc="Shape of one sample after reshaping (batch axis excluded); one entry may be -1."),
], validate=_check_target_shape)
def reshape_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Rearranges the values of each sample into a new shape with the same number of values,
    like ``keras.layers.Reshape``. One entry of the target shape may be -1: its length is
    inferred from the others. The dtype is kept.
    """
    spec, target = inputs[0], params["target_shape"]
    known = math.prod(d for d in target if d != -1)
    size = spec.size
    shown = format_shape(tuple(None if d == -1 else d for d in target))
    if -1 not in target:
        if size is not None and size != known:
            raise ShapeError(f"cannot reshape {format_shape(spec.shape)} into {shown}: "
                             f"{_count(size)} per sample vs {known}", port=0)
        return [spec.with_shape(target)]
    if size is None:
        return [spec.with_shape(None if d == -1 else d for d in target)]
    if size % known:
        raise ShapeError(f"cannot reshape {format_shape(spec.shape)} into {shown}: "
                         f"{_count(size)} per sample do not divide into groups of {known}", port=0)
    return [spec.with_shape(size // known if d == -1 else d for d in target)]


@kind("flatten", "adapter", "Flatten")
def flatten_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Lays out all values of each sample along one axis, like ``keras.layers.Flatten``; a
    scalar per sample becomes one value. The length is unknown when any input axis is. The
    dtype is kept.
    """
    spec = inputs[0]
    return [spec.with_shape((spec.size if spec.rank else 1,))]


@kind("expand_dims", "adapter", "Expand dims", params=[
    Param("axis", "int", -1, doc="Where the new axis of length 1 goes (1 = first sample axis, -1 = last)."),
], validate=_not_batch)
def expand_dims_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Inserts a new axis of length 1 at ``axis``, counted in the output as Keras counts
    (axis 1 is the first sample axis, -1 puts it at the end); e.g. (None, 10) with axis -1
    becomes (None, 10, 1). The dtype is kept.
    """
    spec, axis = inputs[0], params["axis"]
    out_rank = spec.rank + 1
    index = axis + out_rank + 1 if axis < 0 else axis
    if not 1 <= index <= out_rank:
        raise ShapeError(f"cannot insert an axis at {axis} into {format_shape(spec.shape)}: "
                         f"the new axis can go at 1 to {out_rank} (or -1 to -{out_rank})", port=0)
    shape = list(spec.shape)
    shape.insert(index - 1, 1)
    return [spec.with_shape(shape)]


@kind("squeeze", "adapter", "Squeeze", params=[
    Param("axis", "int", -1, doc="The axis of length 1 to remove (1 = first sample axis, -1 = last)."),
], validate=_not_batch)
def squeeze_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Removes ``axis``, which must have length 1; e.g. (None, 10, 1) with axis -1 becomes
    (None, 10). An axis of unknown length is refused because it fails at run time unless it
    happens to be 1. The dtype is kept.
    """
    spec = inputs[0]
    index = _sample_axis(params["axis"], spec, "squeeze")
    length = spec.shape[index]
    if length != 1:
        have = "an unknown length" if length is None else f"length {length}"
        raise ShapeError(f"cannot squeeze axis {index + 1} of {format_shape(spec.shape)}: it has "
                         f"{have}, squeeze removes only an axis of length 1", port=0)
    return [spec.with_shape(spec.shape[:index] + spec.shape[index + 1:])]


def _check_dims(params: dict[str, Any]) -> None:
    dims = params["dims"]
    if not dims or sorted(dims) != list(range(1, len(dims) + 1)):
        raise ParamError(f"parameter 'dims' {_dims(dims)} must list each sample axis 1 to "
                         f"{max(len(dims), 1)} exactly once", field="dims")


@kind("permute", "adapter", "Permute", params=[
    Param("dims", "ints", minimum=1,
          doc="The new order of the sample axes, 1-indexed: (2, 1) swaps the first two."),
], validate=_check_dims)
def permute_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Reorders the sample axes, like ``keras.layers.Permute``: ``dims`` lists, for each
    output axis, which input axis it takes (1-indexed, batch axis excluded), so (None, 3, 5)
    with dims (2, 1) becomes (None, 5, 3). The dtype is kept.
    """
    spec, dims = inputs[0], params["dims"]
    if len(dims) != spec.rank:
        raise ShapeError(f"permute dims {_dims(dims)} name {len(dims)} axes, but the input "
                         f"{format_shape(spec.shape)} has {spec.rank} sample axes", port=0)
    return [spec.with_shape(spec.shape[d - 1] for d in dims)]


# --- cast, normalize, rescale ----------------------------------------------------------


@kind("cast", "adapter", "Cast", params=[
    Param("dtype", "dtype", "float32", choices=CAST_DTYPES, doc="The dtype to convert the values to."),
])
def cast_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Converts the values to another dtype, keeping the shape. Floats cast to integers are
    truncated toward zero, and values outside the target range wrap or saturate as
    TensorFlow does, so cast ids or class indices, not arbitrary measurements.
    """
    spec = inputs[0]
    if spec.dtype == "string":
        raise ShapeError("cannot cast text (dtype string) to numbers; parse it before it "
                         "enters the graph", port=0)
    return [spec.with_dtype(params["dtype"])]


def _as_list(value: float | tuple[float, ...] | None) -> list[float]:
    if value is None:
        return []
    return list(value) if isinstance(value, tuple) else [value]


def _check_normalize(params: dict[str, Any]) -> None:
    _not_batch(params)
    low_name, high_name = NORMALIZE_STATS[params["mode"]]
    lows, highs = _as_list(params[low_name]), _as_list(params[high_name])
    for name in (low_name, high_name):
        if params[name] == ():
            raise ParamError(f"parameter '{name}' is an empty list; give a number, one number per "
                             "feature, or null to fit it from the training data", field=name)
    if len(lows) > 1 and len(highs) > 1 and len(lows) != len(highs):
        raise ParamError(f"parameters '{low_name}' and '{high_name}' must have the same length, "
                         f"got {len(lows)} and {len(highs)}", field=high_name)
    if params["mode"] == "standardize":
        if any(v < 0 for v in highs):
            raise ParamError("parameter 'variance' must not be negative", field="variance")
        return
    if not lows or not highs:
        return
    n = max(len(lows), len(highs))
    for i, (a, b) in enumerate(zip(lows * (n // len(lows)), highs * (n // len(highs)))):
        if b <= a:
            where = f" (feature {i})" if n > 1 else ""
            raise ParamError(f"parameter 'maximum' must be greater than 'minimum'{where}, "
                             f"got {b:g} <= {a:g}", field="maximum")


@kind("normalize", "adapter", "Normalize", params=[
    Param("mode", "choice", "standardize", choices=tuple(NORMALIZE_STATS),
          doc="standardize: (x - mean) / sqrt(variance); minmax: (x - minimum) / (maximum - minimum)."),
    Param("mean", "floats", None, nullable=True,
          doc="Mean (standardize): a number or one per feature; null = fitted from training data."),
    Param("variance", "floats", None, nullable=True,
          doc="Variance (standardize): a number or one per feature; null = fitted from training data."),
    Param("minimum", "floats", None, nullable=True,
          doc="Minimum (minmax): a number or one per feature; null = fitted from training data."),
    Param("maximum", "floats", None, nullable=True,
          doc="Maximum (minmax): a number or one per feature; null = fitted from training data."),
    Param("axis", "int", -1, doc="The feature axis the per-feature statistics run along (-1 = last)."),
], validate=_check_normalize)
def normalize_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Standardizes (subtract the mean, divide by the standard deviation) or min-max scales
    the values, with statistics given as one number or one number per feature along
    ``axis`` (a list then fixes the length of that axis). A statistic left empty is fitted
    from the training data before training and stored in the node; until then it acts as
    the identity (mean 0, variance 1, minimum 0, maximum 1). The statistics travel inside
    exported models. Outputs float32.
    """
    spec = inputs[0]
    _no_text(spec, "normalize")
    index = _sample_axis(params["axis"], spec, "normalize")
    length = spec.shape[index]
    shape = list(spec.shape)
    for name in NORMALIZE_STATS[params["mode"]]:
        value = params[name]
        if not isinstance(value, tuple) or len(value) == 1:
            continue
        if shape[index] is None:
            shape[index] = len(value)  # per-feature statistics fix the number of features
        elif len(value) != shape[index]:
            raise ShapeError(f"parameter '{name}' has {_count(len(value))} but axis {index + 1} of "
                             f"the input {format_shape(spec.shape)} has {length} features", port=0)
    return [spec.with_shape(shape).with_dtype("float32")]


@kind("rescale", "adapter", "Rescale", params=[
    Param("scale", "float", 1.0, doc="Each value is multiplied by this, e.g. 1/255 for 8-bit images."),
    Param("offset", "float", 0.0, doc="Added after scaling."),
])
def rescale_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Computes ``x * scale + offset`` for every value, like ``keras.layers.Rescaling``; e.g.
    scale 1/255 maps 8-bit pixels to [0, 1]. Keeps the shape and outputs float32.
    """
    spec = inputs[0]
    _no_text(spec, "rescale")
    return [spec.with_dtype("float32")]


# --- pad, slice ----------------------------------------------------------------------------


def _check_pad(params: dict[str, Any]) -> None:
    _not_batch(params)
    if params["mask"] and params["axis"] != 1:
        raise ParamError("parameter 'mask' needs axis 1: Keras masks mark time steps, the first "
                         f"sample axis, but axis is {params['axis']}", field="mask")


@kind("pad", "adapter", "Pad / truncate", params=[
    Param("length", "int", minimum=1, doc="The exact length of the axis after padding or truncating."),
    Param("value", "float", 0.0, doc="The value written into added positions."),
    Param("axis", "int", 1, doc="The axis to pad or truncate (1 = first sample axis, the time axis)."),
    Param("truncate", "choice", "post", choices=("post", "pre"),
          doc="Where to cut longer inputs: post drops the end, pre drops the start."),
    Param("side", "choice", "post", choices=("post", "pre"),
          doc="Where to pad shorter inputs: post appends, pre prepends."),
    Param("mask", "bool", False, doc="Also output a Keras mask marking the real (unpadded) positions."),
], validate=_check_pad)
def pad_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Makes ``axis`` exactly ``length`` long: shorter inputs are padded with ``value``,
    longer ones truncated. The input length may vary from batch to batch, so variable-length
    sequences can feed a model that expects a fixed length. With ``mask`` the layer also
    emits a Keras mask of the real positions (combined with any mask already flowing in),
    which masking-aware layers downstream such as LSTM use. The dtype is kept.
    """
    spec = inputs[0]
    _no_text(spec, "pad")
    index = _sample_axis(params["axis"], spec, "pad")
    value = params["value"]
    if not spec.is_float:
        low, high = _INT_RANGES[spec.dtype]
        if not value.is_integer() or not low <= value <= high:
            raise ShapeError(f"pad value {value:g} does not fit the input dtype {spec.dtype} "
                             f"(whole numbers {low} to {high})", port=0)
    shape = list(spec.shape)
    shape[index] = params["length"]
    return [spec.with_shape(shape)]


def _slice_text(params: dict[str, Any]) -> str:
    stop = "" if params["stop"] is None else str(params["stop"])
    return f"{params['start']}:{stop}"


@kind("slice", "adapter", "Slice", params=[
    Param("axis", "int", 1, doc="The axis to slice (1 = first sample axis, -1 = last)."),
    Param("start", "int", 0, doc="First position kept; negative counts from the end."),
    Param("stop", "int", None, nullable=True,
          doc="Position after the last one kept; negative counts from the end; null = to the end."),
], validate=_not_batch)
def slice_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Keeps positions ``start`` up to (not including) ``stop`` along ``axis``, with Python
    slice semantics: negative positions count from the end and out-of-range positions are
    clipped, so start -1 keeps the last position. A slice that keeps nothing is refused.
    The dtype is kept.
    """
    spec = inputs[0]
    index = _sample_axis(params["axis"], spec, "slice")
    start, stop = params["start"], params["stop"]
    length = spec.shape[index]
    if length is None:
        empty = stop is not None and (start >= 0) == (stop >= 0) and stop <= start
        new: int | None = None
    else:
        new = len(range(length)[start:stop])
        empty = new == 0
    if empty:
        have = "of unknown length" if length is None else f"of length {length}"
        raise ShapeError(f"slice {_slice_text(params)} keeps nothing of axis {index + 1} {have} "
                         f"in {format_shape(spec.shape)}", port=0)
    shape = list(spec.shape)
    shape[index] = new
    return [spec.with_shape(shape)]


# --- dense, embedding, one_hot, resize -----------------------------------------------------


@kind("dense", "adapter", "Dense projection", params=[
    Param("units", "int", minimum=1, doc="The length of the last axis after the projection."),
    Param("activation", "activation", "linear", doc="Applied after the projection."),
    Param("use_bias", "bool", True, doc="Add a learned bias."),
], trainable=True)
def dense_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """A trainable linear projection of the last axis to ``units`` values, like
    ``keras.layers.Dense``: (None, 20, 64) with 32 units becomes (None, 20, 32). It has
    to be trained. The last axis needs a known length, and the input must be float (Keras
    would silently treat ids as numbers; insert a cast if that is really wanted). Outputs
    float32.
    """
    spec = inputs[0]
    if not spec.is_float:
        raise ShapeError(f"dense needs a float input, but the input dtype is {spec.dtype}; insert "
                         "a cast to float32 first (or an embedding for integer ids)", port=0)
    if spec.rank == 0:
        raise ShapeError("dense needs at least one sample axis to project, but the input is one "
                         "value per sample (None,); insert expand_dims first", port=0)
    if spec.shape[-1] is None:
        raise ShapeError(f"dense needs a known length on the last axis (axis {spec.rank}) of "
                         f"{format_shape(spec.shape)}; pad or reshape it first", port=0)
    return [spec.with_shape(spec.shape[:-1] + (params["units"],)).with_dtype("float32")]


@kind("embedding", "adapter", "Embedding", params=[
    Param("input_dim", "int", minimum=1, doc="The number of distinct ids (largest id + 1)."),
    Param("output_dim", "int", minimum=1, doc="The length of each id's vector."),
    Param("mask_zero", "bool", False, doc="Treat id 0 as padding and emit a mask for later layers."),
], trainable=True)
def embedding_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Replaces each integer id with a trainable vector of ``output_dim`` values, like
    ``keras.layers.Embedding``: (None, 20) ids become (None, 20, output_dim). Ids must lie
    in 0 to ``input_dim`` - 1. The input must be integer (Keras would truncate floats
    silently). Outputs float32.
    """
    spec = inputs[0]
    _need_int(spec, "embedding")
    return [spec.with_shape(spec.shape + (params["output_dim"],)).with_dtype("float32")]


@kind("one_hot", "adapter", "One-hot", params=[
    Param("depth", "int", minimum=1,
          doc="The number of classes; ids outside 0 to depth - 1 become all zeros."),
])
def one_hot_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Turns each integer id into a vector of ``depth`` values with a 1 at the id and 0
    elsewhere: (None, 20) becomes (None, 20, depth). Ids outside 0 to ``depth`` - 1 give
    all zeros. Outputs float32.
    """
    spec = inputs[0]
    _need_int(spec, "one_hot")
    return [spec.with_shape(spec.shape + (params["depth"],)).with_dtype("float32")]


@kind("resize", "adapter", "Resize image", params=[
    Param("height", "int", minimum=1, doc="The output height in pixels."),
    Param("width", "int", minimum=1, doc="The output width in pixels."),
    Param("interpolation", "choice", "bilinear", choices=INTERPOLATIONS, doc="How pixels are resampled."),
])
def resize_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Resamples images of shape (height, width, channels) to a fixed height and width,
    like ``keras.layers.Resizing``; the aspect ratio is not preserved. Input heights and
    widths may vary. Outputs float32.
    """
    spec = inputs[0]
    if spec.rank != 3:
        raise ShapeError(f"resize needs images shaped (height, width, channels), but the input "
                         f"{format_shape(spec.shape)} has {spec.rank} sample axes", port=0)
    if spec.dtype in ("string", "bool"):
        raise ShapeError(f"resize needs numeric pixels, but the input dtype is {spec.dtype}", port=0)
    shape = (params["height"], params["width"], spec.shape[2])
    return [TensorSpec(shape, "float32")]
