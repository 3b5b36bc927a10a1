"""The Keras layer behind each adapter and merge node, and the Python source that makes it.

Adapter kinds live in :mod:`.adapter_layers`, merge kinds in :mod:`.merge_layers`; each
module exposes ``BUILDERS: dict[str, Builder]``. A builder returns both the layer and a
Python expression that builds the same layer (used by the Python-script export), with
``keras`` meaning the keras module and ``mgl`` meaning :mod:`modelgraft.engine.custom_layers`.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

__all__ = ["Builder", "BuiltLayer", "make_layer", "register_custom_layers"]


class BuiltLayer(NamedTuple):
    """A Keras layer and the source of an expression that rebuilds it."""

    layer: Any
    source: str


Builder = Callable[[dict[str, Any], str], BuiltLayer]


def _builders() -> dict[str, Builder]:
    from .adapter_layers import BUILDERS as adapters
    from .merge_layers import BUILDERS as merges

    return {**adapters, **merges}


def make_layer(kind: str, params: dict[str, Any], name: str) -> BuiltLayer:
    """The Keras layer for an adapter or merge node, named ``name``.

    Must run on the engine thread. The layer is called with one tensor for adapters and a
    list of tensors (in input-port order) for merges.
    """
    try:
        builder = _builders()[kind]
    except KeyError:
        raise KeyError(f"no Keras layer for node kind '{kind}'") from None
    return builder(params, name)


def register_custom_layers() -> None:
    """Import every module that registers ModelGraft's Keras layers; needed before loading
    a ``.keras`` file that contains them."""
    from . import custom_layers, savedmodel_layer  # noqa: F401  (custom_layers re-exports Stack)
