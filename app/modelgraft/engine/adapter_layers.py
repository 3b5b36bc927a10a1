"""The Keras layer behind each adapter node kind, with the source that rebuilds it.

Each builder takes the node's normalised parameters and its Keras name and returns a
:class:`~modelgraft.engine.layers.BuiltLayer`. Kinds that compute (rescale, dense,
embedding, resize) use stock Keras layers; shape-only kinds and what stock Keras cannot
express use :mod:`modelgraft.engine.custom_layers` (``mgl`` in the source). Each layer's
output shape and dtype match the kind's pure rule in :mod:`modelgraft.nodes.adapters`.
"""

from __future__ import annotations

from typing import Any

from .layers import Builder, BuiltLayer
from .runtime import keras

__all__ = ["BUILDERS"]


def _build(path: str, name: str, **kwargs: Any) -> BuiltLayer:
    """Instantiate ``path`` (``keras.layers.X`` or ``mgl.X``) and write the same call as source."""
    module, cls_name = path.rsplit(".", 1)
    if module == "mgl":
        from . import custom_layers

        cls = getattr(custom_layers, cls_name)
    else:
        cls = getattr(keras().layers, cls_name)
    layer = cls(**kwargs, name=name)
    args = ", ".join(f"{k}={v!r}" for k, v in {**kwargs, "name": name}.items())
    return BuiltLayer(layer, f"{path}({args})")


def _stat(value: float | tuple[float, ...] | None) -> float | list[float] | None:
    return list(value) if isinstance(value, tuple) else value


def _reshape(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Reshape", name, target_shape=tuple(p["target_shape"]))


def _flatten(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Flatten", name)


def _expand_dims(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.ExpandDims", name, axis=p["axis"])


def _squeeze(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Squeeze", name, axis=p["axis"])


def _permute(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Permute", name, dims=tuple(p["dims"]))


def _cast(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Cast", name, target_dtype=p["dtype"])


def _normalize(p: dict[str, Any], name: str) -> BuiltLayer:
    stats = {k: _stat(p[k]) for k in ("mean", "variance", "minimum", "maximum")}
    return _build("mgl.Normalize", name, mode=p["mode"], **stats, axis=p["axis"])


def _rescale(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("keras.layers.Rescaling", name, scale=p["scale"], offset=p["offset"])


def _pad(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.PadOrTruncate", name, length=p["length"], value=p["value"], axis=p["axis"],
                  truncate=p["truncate"], side=p["side"], mask=p["mask"])


def _slice(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.Slice", name, axis=p["axis"], start=p["start"], stop=p["stop"])


def _dense(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("keras.layers.Dense", name, units=p["units"], activation=p["activation"],
                  use_bias=p["use_bias"])


def _embedding(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("keras.layers.Embedding", name, input_dim=p["input_dim"],
                  output_dim=p["output_dim"], mask_zero=p["mask_zero"])


def _one_hot(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("mgl.OneHot", name, depth=p["depth"])


def _resize(p: dict[str, Any], name: str) -> BuiltLayer:
    return _build("keras.layers.Resizing", name, height=p["height"], width=p["width"],
                  interpolation=p["interpolation"])


BUILDERS: dict[str, Builder] = {
    "reshape": _reshape,
    "flatten": _flatten,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "permute": _permute,
    "cast": _cast,
    "normalize": _normalize,
    "rescale": _rescale,
    "pad": _pad,
    "slice": _slice,
    "dense": _dense,
    "embedding": _embedding,
    "one_hot": _one_hot,
    "resize": _resize,
}
