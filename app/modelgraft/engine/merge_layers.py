"""The Keras layer behind each merge node kind, and the Python source that rebuilds it.

Every layer is called with a list of tensors in input-port order (``in_0``, ``in_1``, …).
In the returned source, ``keras`` is the keras module and ``mgl`` is
:mod:`modelgraft.engine.custom_layers`, which re-exports :class:`.merge_custom_layers.Stack`.
"""

from __future__ import annotations

from typing import Any

from ..nodes.merges import dot_axes
from .layers import Builder, BuiltLayer
from .runtime import keras

__all__ = ["BUILDERS"]

_ELEMENTWISE = {
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
}


def _elementwise(class_name: str) -> Builder:
    def build(params: dict[str, Any], name: str) -> BuiltLayer:
        layer = getattr(keras().layers, class_name)(name=name)
        return BuiltLayer(layer, f"keras.layers.{class_name}(name={name!r})")

    build.__doc__ = f"A ``keras.layers.{class_name}`` named ``name``."
    return build


def _concatenate(params: dict[str, Any], name: str) -> BuiltLayer:
    """A ``keras.layers.Concatenate`` along ``axis``."""
    axis = params["axis"]
    layer = keras().layers.Concatenate(axis=axis, name=name)
    return BuiltLayer(layer, f"keras.layers.Concatenate(axis={axis!r}, name={name!r})")


def _dot(params: dict[str, Any], name: str) -> BuiltLayer:
    """A ``keras.layers.Dot`` over ``axes`` (an int or a pair), optionally normalised."""
    axes = dot_axes(params["axes"])
    normalize = params["normalize"]
    layer = keras().layers.Dot(axes=axes, normalize=normalize, name=name)
    return BuiltLayer(layer, f"keras.layers.Dot(axes={axes!r}, normalize={normalize!r}, name={name!r})")


def _stack(params: dict[str, Any], name: str) -> BuiltLayer:
    """A registered :class:`~.merge_custom_layers.Stack` along ``axis``."""
    from .merge_custom_layers import Stack

    axis = params["axis"]
    return BuiltLayer(Stack(axis=axis, name=name), f"mgl.Stack(axis={axis!r}, name={name!r})")


BUILDERS: dict[str, Builder] = {
    **{kind: _elementwise(cls) for kind, cls in _ELEMENTWISE.items()},
    "concatenate": _concatenate,
    "dot": _dot,
    "stack": _stack,
}
