"""Fitting the statistics of ``normalize`` nodes on the training split (engine thread).

A normalize node whose ``mean``/``variance`` (standardize) or ``minimum``/``maximum``
(minmax) are null gets them from the data: a Keras model from the graph's inputs to the
tensor arriving at the node (upstream models and adapters included) runs over the
training batches once, and per-feature moments along the node's ``axis`` are merged batch
by batch in float64 (Chan et al.'s parallel update of Welford's algorithm). Validation
rows never enter: the plan's training dataset holds only training rows.

Nodes that feed each other are fitted in rounds (an upstream node first, so a downstream
one sees normalized values); nodes of one round share one pass over the data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...core.elements import Node
from ...core.graph import Graph
from ...nodes.adapters import NORMALIZE_STATS
from ..runtime import keras, tf

if TYPE_CHECKING:
    from ..session import EngineSession
    from .pipeline import DataPlan

__all__ = ["Moments", "fit_statistics", "unfitted"]


class Moments:
    """Running per-feature count, mean, sum of squared deviations, minimum and maximum.

    Args:
        axis: The feature axis of the batches (Keras numbering: batch axis 0, negative
            from the end).
    """

    def __init__(self, axis: int) -> None:
        self.axis = axis
        self.count = 0
        self.mean: np.ndarray | None = None
        self.m2: np.ndarray | None = None
        self.minimum: np.ndarray | None = None
        self.maximum: np.ndarray | None = None

    def add(self, batch: np.ndarray) -> None:
        """Merge a batch (batch axis first) into the running statistics."""
        x = np.asarray(batch, dtype=np.float64)
        x = np.moveaxis(x, self.axis, -1).reshape(-1, x.shape[self.axis])
        n = x.shape[0]
        if n == 0:
            return
        mean, low, high = x.mean(axis=0), x.min(axis=0), x.max(axis=0)
        m2 = ((x - mean) ** 2).sum(axis=0)
        if self.count == 0:
            self.count, self.mean, self.m2, self.minimum, self.maximum = n, mean, m2, low, high
            return
        assert self.mean is not None and self.m2 is not None
        total = self.count + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta ** 2 * (self.count * n / total)
        self.minimum = np.minimum(self.minimum, low)
        self.maximum = np.maximum(self.maximum, high)
        self.count = total

    def result(self, names: tuple[str, ...]) -> dict[str, list[float]]:
        """The named statistics (``mean``, ``variance``, ``minimum``, ``maximum``) as lists.

        A feature whose maximum equals its minimum gets ``maximum = minimum + 1`` (it then
        scales to 0 instead of dividing by zero).
        """
        assert self.mean is not None and self.m2 is not None
        assert self.minimum is not None and self.maximum is not None
        maximum = np.where(self.maximum > self.minimum, self.maximum, self.minimum + 1.0)
        values = {"mean": self.mean, "variance": self.m2 / self.count, "minimum": self.minimum,
                  "maximum": maximum}
        return {name: [float(v) for v in values[name]] for name in names}


def unfitted(graph: Graph) -> list[Node]:
    """The normalize nodes with a statistic left null, in topological order."""
    return [n for n in graph.topological() if n.kind == "normalize"
            and any(n.params[s] is None for s in NORMALIZE_STATS[n.params["mode"]])]


def _upstream(nodes: list[Node]) -> set[int]:
    seen: set[int] = set()
    stack = [p for n in nodes for p in n.predecessors]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.predecessors)
    return seen


def _feature_model(session: EngineSession, graph: Graph, targets: list[Node]) -> Any:
    """A Keras model from the graph inputs upstream of ``targets`` to the tensor arriving at
    each target, made of the session's cached models and layers (so their weights)."""
    tensors, inputs, _ = session.trace(graph, _upstream(targets))
    outputs = [tensors[(id(e.src.node), e.src.index)] for n in targets for e in n.in_edges[:1]]
    return keras().Model(inputs, outputs)


def _runner(model: Any) -> Any:
    """``model`` called in inference mode, as one traced TensorFlow function."""
    return tf().function(lambda feed: model(feed, training=False), reduce_retracing=True)


def fit_statistics(session: EngineSession, graph: Graph, plan: DataPlan) -> dict[str, dict[str, list[float]]]:
    """Fit the null statistics of every normalize node of ``graph`` on ``plan.train``.

    The statistics go into the node's parameters (``graph.set_params``, so the project file
    keeps them) and into the normalize layer the session has built (so a model built
    before still uses them, and exports carry them). Statistics given by the user are left
    as they are.

    Args:
        session: The project's engine session.
        graph: The graph being trained.
        plan: The data plan (from :func:`~modelgraft.engine.data.pipeline.make_plan`).

    Returns:
        ``{node name: {statistic: [one value per feature]}}`` for the nodes fitted.
    """
    fitted: dict[str, dict[str, list[float]]] = {}
    pending = unfitted(graph)
    input_names = [f.name for f in plan.feeds if f.role == "input"]
    while pending:
        waiting = {id(n) for n in pending}
        ready = [n for n in pending if not _upstream([n]) & waiting]
        model = _feature_model(session, graph, ready)
        wanted = list(model.input.keys()) if isinstance(model.input, dict) else []
        run = _runner(model)
        moments = [Moments(n.params["axis"]) for n in ready]
        for inputs, _ in plan.train:
            feed = inputs if isinstance(inputs, dict) else {input_names[0]: inputs}
            outs = run({name: feed[name] for name in wanted})
            for m, out in zip(moments, outs if isinstance(outs, (list, tuple)) else [outs]):
                m.add(out.numpy())
        for node, m in zip(ready, moments):
            mode = node.params["mode"]
            stats = m.result(tuple(s for s in NORMALIZE_STATS[mode] if node.params[s] is None))
            session.layer(node).layer.set_statistics(**stats)
            graph.set_params(node, **stats)
            fitted[node.name] = stats
        pending = [n for n in pending if n not in ready]
    return fitted
