"""Rows describing a loaded model's layers, for the inspector panel and ``modelgraft inspect``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loading import LoadedModel

__all__ = ["layer_summary"]


def _shape_str(shape: Any) -> str:
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _output_str(layer: Any) -> str:
    try:
        output = layer.output
    except (AttributeError, ValueError):  # never called, or called more than once
        return "multiple"
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        return "[" + ", ".join(_shape_str(t.shape) for t in output) + "]"
    return _shape_str(output.shape)


def layer_summary(loaded: LoadedModel) -> list[dict[str, Any]]:
    """One row per top-level layer, like ``model.summary()``.

    A SavedModel has no layers Keras can see, so it gives a single row for the called
    signature. Must run on the engine thread.

    Args:
        loaded: A model from :func:`~modelgraft.engine.loading.load_model`.

    Returns:
        Dicts with ``name``, ``type``, ``output_shape`` (Keras-style string, batch axis
        first), ``params`` and ``trainable``.
    """
    if loaded.format == "savedmodel":
        sig = loaded.signature
        shapes = ["?" if e["shape"] is None else _shape_str([None, *e["shape"]]) for e in sig["outputs"]]
        return [{
            "name": loaded.name,
            "type": f"SavedModel signature '{loaded.endpoint}'",
            "output_shape": shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]",
            "params": sig["params"]["total"],
            "trainable": bool(loaded.layer.trainable),
        }]
    return [{
        "name": layer.name,
        "type": type(layer).__name__,
        "output_shape": _output_str(layer),
        "params": layer.count_params() if layer.built else 0,
        "trainable": bool(layer.trainable),
    } for layer in loaded.layer.layers]
