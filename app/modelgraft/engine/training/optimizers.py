"""Optimizers with per-variable learning-rate multipliers (fine-tuning one part more gently).

Each optimizer is a subclass of the stock Keras class that scales ``learning_rate`` in
``update_step(gradient, variable, learning_rate)`` for the variables of model nodes whose
``learning_rate_multiplier`` differs from 1. Keras 3's TensorFlow backend calls
``self.update_step(grad, var, learning_rate)`` once per variable (in
``_distributed_tf_update_step``, with ``var`` the ``tf.Variable`` behind the Keras variable,
or one replica's component under a distribution strategy), so the multiplier applies to
every optimizer's own update rule, including Adam's and RMSprop's.

Variables are matched by ``_var_key``, the optimizer's own stable identity that sees
through Keras variables and distributed containers. The multipliers are runtime state, not
part of the config: a saved optimizer reloads as the stock class behaves (multipliers 1).

This module defines Keras classes, so it imports Keras at module level; the engine imports
it lazily.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras

__all__ = ["ScaledAdam", "ScaledAdamW", "ScaledRMSprop", "ScaledSGD", "make_optimizer"]


class _ScaledMixin:
    """Scales the learning rate of selected variables by a fixed factor."""

    _multipliers: dict[Any, float]

    def set_multipliers(self, pairs: Iterable[tuple[Any, float]]) -> None:
        """Set ``(variable, multiplier)`` pairs; variables not listed keep multiplier 1."""
        self._multipliers = {self._var_key(v): float(m) for v, m in pairs if float(m) != 1.0}

    def multiplier(self, variable: Any) -> float:
        """The multiplier applied to ``variable``'s learning rate."""
        return getattr(self, "_multipliers", {}).get(self._var_key(variable), 1.0)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> Any:
        scale = self.multiplier(variable)
        if scale != 1.0:
            learning_rate = learning_rate * scale
        return super().update_step(gradient, variable, learning_rate)  # type: ignore[misc]


@keras.saving.register_keras_serializable(package="modelgraft")
class ScaledAdam(_ScaledMixin, keras.optimizers.Adam):
    """Adam with per-variable learning-rate multipliers."""


@keras.saving.register_keras_serializable(package="modelgraft")
class ScaledAdamW(_ScaledMixin, keras.optimizers.AdamW):
    """AdamW with per-variable learning-rate multipliers."""


@keras.saving.register_keras_serializable(package="modelgraft")
class ScaledSGD(_ScaledMixin, keras.optimizers.SGD):
    """SGD with per-variable learning-rate multipliers."""


@keras.saving.register_keras_serializable(package="modelgraft")
class ScaledRMSprop(_ScaledMixin, keras.optimizers.RMSprop):
    """RMSprop with per-variable learning-rate multipliers."""


_CLASSES = {"adam": ScaledAdam, "adamw": ScaledAdamW, "sgd": ScaledSGD, "rmsprop": ScaledRMSprop}


def make_optimizer(name: str, learning_rate: float | None,
                   multipliers: Iterable[tuple[Any, float]] = ()) -> keras.optimizers.Optimizer:
    """A new optimizer of the named kind with per-variable multipliers.

    Args:
        name: ``adam``, ``adamw``, ``sgd`` or ``rmsprop``.
        learning_rate: The base learning rate; ``None`` keeps the Keras default.
        multipliers: ``(variable, multiplier)`` pairs (Keras or ``tf`` variables).

    Returns:
        The optimizer (build it by compiling and fitting a model, as usual).
    """
    cls = _CLASSES[name]
    optimizer = cls() if learning_rate is None else cls(learning_rate=learning_rate)
    optimizer.set_multipliers(multipliers)
    return optimizer

