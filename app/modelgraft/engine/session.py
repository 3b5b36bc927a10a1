"""The Keras objects of one project, kept on the engine thread between builds.

A session caches each model node's loaded model and each adapter's layer, keyed by what
they were made from, so building twice reuses the same weights: training changes the
weights the next ``build()`` or export uses.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..core.errors import BuildError
from ..core.graph import INPUT_KIND, OUTPUT_KIND, Graph
from ..core.elements import Node
from ..nodes import get_kind
from .layers import BuiltLayer, make_layer
from .runtime import keras

if TYPE_CHECKING:
    from .loading import LoadedModel

__all__ = ["EngineSession"]


def _key(params: dict[str, Any], drop: tuple[str, ...] = ()) -> str:
    return json.dumps({k: v for k, v in params.items() if k not in drop}, sort_keys=True, default=list)


class EngineSession:
    """Loaded models and built layers of one project, owned by the engine thread."""

    def __init__(self) -> None:
        self._models: dict[str, tuple[str, LoadedModel]] = {}
        self._layers: dict[str, tuple[str, BuiltLayer]] = {}
        self.model: Any = None

    def loaded(self, node: Node) -> LoadedModel:
        """The loaded model behind a model node (loaded on first use, then reused).

        The cache key leaves out ``trainable`` and the learning-rate multiplier: toggling
        them keeps the weights reached so far.
        """
        from .loading import load_model, set_trainable

        params = node.params
        key = _key(params, ("trainable", "learning_rate_multiplier", "signature")) + node.name
        cached = self._models.get(node.name)
        if cached is None or cached[0] != key:
            loaded = load_model(params["path"], trusted=params["trusted"],
                                trusted_sha256=params.get("sha256"), endpoint=params["endpoint"],
                                name=node.name)
            self._models[node.name] = (key, loaded)
        loaded = self._models[node.name][1]
        set_trainable(loaded, params["trainable"])
        return loaded

    def layer(self, node: Node) -> BuiltLayer:
        """The Keras layer of an adapter or merge node (reused while its parameters stay)."""
        key = _key(node.params) + node.kind
        cached = self._layers.get(node.name)
        if cached is None or cached[0] != key:
            self._layers[node.name] = (key, make_layer(node.kind, node.params, node.name))
        return self._layers[node.name][1]

    def forget(self, names: set[str] | None = None) -> None:
        """Drop cached objects of the named nodes (all if ``None``)."""
        for cache in (self._models, self._layers):
            for name in list(cache):
                if names is None or name in names:
                    del cache[name]
        self.model = None

    def prune(self, graph: Graph) -> None:
        """Drop cached objects of nodes no longer in the graph."""
        self.forget({n for n in list(self._models) + list(self._layers) if n not in graph})

    def trace(self, graph: Graph, only: set[int] | None = None
              ) -> tuple[dict[tuple[int, int], Any], dict[str, Any], dict[str, Any]]:
        """Call each node's Keras object on symbolic tensors, in data-flow order.

        Args:
            graph: The graph to trace.
            only: ``id()`` of the nodes to include (all if ``None``); it must hold every
                node upstream of the ones it names.

        Returns:
            ``(tensors, inputs, outputs)``: the tensor at each ``(id(node), output index)``,
            the ``keras.Input`` of each input node and the tensor of each output node, by name.
        """
        k = keras()
        tensors: dict[tuple[int, int], Any] = {}
        inputs: dict[str, Any] = {}
        outputs: dict[str, Any] = {}
        for node in graph.topological():
            if only is not None and id(node) not in only:
                continue
            ins = [tensors[(id(e.src.node), e.src.index)] for e in node.in_edges]
            if node.kind == INPUT_KIND:
                spec = node.out_specs[0]
                outs = [k.Input(shape=spec.shape, dtype=spec.dtype, name=node.name)]
                inputs[node.name] = outs[0]
            elif node.kind == OUTPUT_KIND:
                outputs[node.name] = k.layers.Identity(name=node.name)(ins[0])
                outs = []
            elif node.kind == "model":
                outs = self.loaded(node).call(ins)
            else:
                layer = self.layer(node).layer
                outs = [layer(ins[0] if get_kind(node.kind).family == "adapter" else ins)]
            for i, tensor in enumerate(outs):
                tensors[(id(node), i)] = tensor
        return tensors, inputs, outputs

    def build(self, graph: Graph, name: str = "composite") -> Any:
        """Build the graph into a ``keras.Model`` through the functional API.

        Inputs and outputs are keyed by their node names when there are several (a single
        input or output is passed bare). Model nodes are nested under their node names.

        Raises:
            BuildError: ``graph.check()`` reports an error.
        """
        errors = [p for p in graph.check() if p.severity == "error"]
        if errors:
            more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" \
                if len(errors) > 1 else ""
            raise BuildError(f"cannot build: {errors[0].message}{more}")
        self.prune(graph)
        k = keras()
        _, inputs, outputs = self.trace(graph)
        model_inputs: Any = next(iter(inputs.values())) if len(inputs) == 1 else inputs
        model_outputs: Any = next(iter(outputs.values())) if len(outputs) == 1 else outputs
        self.model = k.Model(model_inputs, model_outputs, name=name)
        return self.model
