"""Small Keras layers for the adapters stock Keras layers cannot express.

Every layer is registered under the ``modelgraft`` package, so a saved ``.keras`` file
that contains them reloads with ``keras.saving.load_model(path, safe_mode=True)`` as long
as this module has been imported (importing :mod:`modelgraft.engine.custom_layers` is
enough).

Shape-only layers never autocast: stock Keras layers cast floating inputs to their compute
dtype (float32), which would turn a float16 tensor into float32 on a mere reshape. The
``Reshape``, ``Flatten`` and ``Permute`` here are the stock layers with autocasting off,
and the other shape layers keep the input dtype too.
"""

from __future__ import annotations

from typing import Any, Sequence

import keras
from keras import ops

from .merge_custom_layers import Stack

__all__ = [
    "Cast",
    "ExpandDims",
    "Flatten",
    "Normalize",
    "OneHot",
    "PadOrTruncate",
    "Permute",
    "Reshape",
    "Slice",
    "Stack",
    "Squeeze",
]

_register = keras.saving.register_keras_serializable(package="modelgraft")

Stat = float | Sequence[float] | None


def _index(axis: int, rank: int) -> int:
    """A Keras axis (batch axis 0, negative from the end) as a non-negative index."""
    return axis % rank


@_register
class Reshape(keras.layers.Reshape):
    """``keras.layers.Reshape`` that keeps the input dtype (no float autocast)."""

    def __init__(self, target_shape: Sequence[int], **kwargs: Any) -> None:
        super().__init__(target_shape, autocast=False, **kwargs)


@_register
class Flatten(keras.layers.Flatten):
    """``keras.layers.Flatten`` that keeps the input dtype (no float autocast)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)


@_register
class Permute(keras.layers.Permute):
    """``keras.layers.Permute`` that keeps the input dtype (no float autocast)."""

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(dims, autocast=False, **kwargs)


@_register
class ExpandDims(keras.layers.Layer):
    """Inserts an axis of length 1 at ``axis`` (numbered in the output, batch axis 0)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return ops.expand_dims(inputs, self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # A time-step mask stays valid unless the new axis goes before the time axis.
        return mask if _index(self.axis, len(inputs.shape) + 1) >= 2 else None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


@_register
class Squeeze(keras.layers.Layer):
    """Removes ``axis`` (batch axis 0), which must have length 1."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return ops.squeeze(inputs, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # A time-step mask stays valid unless the time axis itself is removed.
        return mask if _index(self.axis, len(inputs.shape)) >= 2 else None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


@_register
class Slice(keras.layers.Layer):
    """Keeps ``start:stop`` (Python slice semantics) along ``axis`` (batch axis 0)."""

    def __init__(self, axis: int = 1, start: int = 0, stop: int | None = None, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        self.axis, self.start, self.stop = axis, start, stop
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        index = [slice(None)] * len(inputs.shape)
        index[_index(self.axis, len(inputs.shape))] = slice(self.start, self.stop)
        return inputs[tuple(index)]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        # Slicing the time axis slices its mask; slicing another axis keeps it.
        if mask is None or _index(self.axis, len(inputs.shape)) != 1:
            return mask
        return mask[:, self.start:self.stop]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "start": self.start, "stop": self.stop}


@_register
class Cast(keras.layers.Layer):
    """Converts the values to ``target_dtype``; integers are cast too (unlike ``Identity``).

    The target is not called ``dtype`` because that name is the layer's dtype policy.
    """

    def __init__(self, target_dtype: str = "float32", **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        self.target_dtype = target_dtype
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return ops.cast(inputs, self.target_dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_dtype": self.target_dtype}


@_register
class OneHot(keras.layers.Layer):
    """One-hot encodes integer ids into a new last axis of ``depth`` float32 values."""

    def __init__(self, depth: int, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        self.depth = depth
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        if keras.backend.standardize_dtype(inputs.dtype) not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int64")
        return ops.one_hot(inputs, self.depth, dtype="float32")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "depth": self.depth}


@_register
class PadOrTruncate(keras.layers.Layer):
    """Pads (with ``value``) or truncates ``axis`` to exactly ``length`` positions.

    The input length may differ from call to call. With ``mask`` the layer emits a Keras
    mask of shape (batch, length) that is True at real positions; an incoming mask is
    padded with False and truncated the same way, so per-sample lengths survive.

    Args:
        length: The output length of ``axis``.
        value: The padding value (cast to the input dtype).
        axis: The axis (batch axis 0); ``mask`` requires 1.
        truncate: ``"post"`` drops positions at the end, ``"pre"`` at the start.
        side: ``"post"`` pads at the end, ``"pre"`` at the start.
        mask: Whether to emit a mask.
    """

    def __init__(self, length: int, value: float = 0.0, axis: int = 1, truncate: str = "post",
                 side: str = "post", mask: bool = False, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        if truncate not in ("post", "pre") or side not in ("post", "pre"):
            raise ValueError(f"truncate and side must be 'post' or 'pre', got {truncate!r}, {side!r}")
        self.length, self.value, self.axis = length, value, axis
        self.truncate, self.side, self.mask = truncate, side, mask
        self.supports_masking = True

    def _positions(self, n: Any) -> Any:
        """Indices into the input padded with ``length`` values on ``side``."""
        if self.side == "post":
            start = ops.maximum(n - self.length, 0) if self.truncate == "pre" else 0
        else:
            start = ops.minimum(n, self.length) if self.truncate == "post" else n
        return ops.arange(self.length, dtype="int32") + ops.cast(start, "int32")

    def _pad_width(self, rank: int, axis: int) -> list[list[int]]:
        width = [[0, 0] for _ in range(rank)]
        width[axis] = [0, self.length] if self.side == "post" else [self.length, 0]
        return width

    def call(self, inputs: Any) -> Any:
        rank = len(inputs.shape)
        axis = _index(self.axis, rank)
        padded = ops.pad(inputs, self._pad_width(rank, axis),
                         constant_values=ops.cast(self.value, inputs.dtype))
        return ops.take(padded, self._positions(ops.shape(inputs)[axis]), axis=axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if not self.mask:
            return None
        if mask is None:
            mask = ops.ones_like(inputs, dtype="bool")
            if len(inputs.shape) > 2:
                mask = ops.all(mask, axis=tuple(range(2, len(inputs.shape))))
        n = ops.shape(mask)[1]
        if n is None:  # a symbolic call: count the positions with an op Keras can trace
            n = ops.sum(ops.ones_like(mask[0], dtype="int32"))
        padded = ops.pad(ops.cast(mask, "bool"), self._pad_width(2, 1), constant_values=False)
        return ops.take(padded, self._positions(n), axis=1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "length": self.length, "value": self.value, "axis": self.axis,
                "truncate": self.truncate, "side": self.side, "mask": self.mask}


_IDENTITY = {"mean": 0.0, "variance": 1.0, "minimum": 0.0, "maximum": 1.0}
_MODES = {"standardize": ("mean", "variance"), "minmax": ("minimum", "maximum")}


@_register
class Normalize(keras.layers.Layer):
    """Standardizes or min-max scales the input with statistics stored as weights.

    The statistics are non-trainable float32 weights of shape ``(features,)`` along
    ``axis``, so they are saved inside the model and can be set after fitting with
    :meth:`set_statistics`. A statistic given as ``None`` starts as the identity (mean 0,
    variance 1, minimum 0, maximum 1); one given as a number is broadcast over the features.
    When the feature axis has no static length and only numbers are given, the weights
    hold one shared value. The output is float32.

    Args:
        mode: ``"standardize"`` (``(x - mean) / sqrt(variance)``) or ``"minmax"``
            (``(x - minimum) / (maximum - minimum)``).
        mean, variance, minimum, maximum: A number, one number per feature, or ``None``;
            only the two of ``mode`` are used.
        axis: The feature axis (batch axis 0, negative from the end).
    """

    def __init__(self, mode: str = "standardize", mean: Stat = None, variance: Stat = None,
                 minimum: Stat = None, maximum: Stat = None, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(autocast=False, **kwargs)
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {', '.join(_MODES)}, got {mode!r}")
        self.mode, self.axis = mode, axis
        self._given: dict[str, Stat] = {"mean": mean, "variance": variance,
                                        "minimum": minimum, "maximum": maximum}
        self._stats: dict[str, Any] = {}
        self._broadcast: list[int] = []
        self.supports_masking = True

    def build(self, input_shape: Sequence[int | None]) -> None:
        rank = len(input_shape)
        axis = _index(self.axis, rank)
        lengths = [len(v) for k in _MODES[self.mode] if isinstance(v := self._given[k], (list, tuple))]
        features = max(lengths) if lengths else (input_shape[axis] or 1)
        self._broadcast = [1] * rank
        self._broadcast[axis] = features
        for name in _MODES[self.mode]:
            self._stats[name] = self.add_weight(
                name=name, shape=(features,), dtype="float32", trainable=False,
                initializer=keras.initializers.Constant(_IDENTITY[name]))
        self.set_statistics(**{k: self._given[k] for k in _MODES[self.mode]})

    def set_statistics(self, **stats: Stat) -> None:
        """Assign fitted statistics, e.g. ``set_statistics(mean=[…], variance=[…])``.

        Args:
            **stats: The statistics of this layer's mode, each a number, one number per
                feature, or ``None`` to leave it unchanged.

        Raises:
            ValueError: a statistic of another mode, or a list of the wrong length.
        """
        unknown = set(stats) - set(_MODES[self.mode])
        if unknown:
            raise ValueError(f"{self.mode} takes {' and '.join(_MODES[self.mode])}, "
                             f"not {', '.join(sorted(unknown))}")
        for name, value in stats.items():
            if value is None:
                continue
            self._given[name] = [float(v) for v in value] if isinstance(value, (list, tuple)) \
                else float(value)
            if not self._stats:
                continue
            weight = self._stats[name]
            if isinstance(value, (list, tuple)) and len(value) not in (1, weight.shape[0]):
                count = weight.shape[0]
                raise ValueError(f"{name} has {len(value)} values but the layer normalizes {count} "
                                 f"feature{'s' if count != 1 else ''}")
            weight.assign(ops.broadcast_to(ops.cast(ops.reshape(value, (-1,)), "float32"),
                                           weight.shape))

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, "float32")
        low, high = (ops.reshape(self._stats[k], self._broadcast) for k in _MODES[self.mode])
        if self.mode == "standardize":
            return (x - low) / ops.maximum(ops.sqrt(high), keras.backend.epsilon())
        return (x - low) / ops.maximum(high - low, keras.backend.epsilon())

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode, "axis": self.axis, **self._given}
