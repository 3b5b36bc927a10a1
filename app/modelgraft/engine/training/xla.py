"""Whether a run compiles its train step with XLA (the ``jit_compile`` setting).

``auto`` (the default) follows Keras's own ``jit_compile="auto"`` policy — XLA only when
every layer declares ``supports_jit``, never with TensorFlow's deterministic ops or a
``tf.distribute`` strategy — and also stays off for inputs with a variable-length axis or
text, for which XLA would compile again for every new shape. Where it differs, measured on
two CPU cores (``bench/train_speed.py`` and the notes in ``docs/training.md``):

* Keras's ``auto`` never uses XLA without a GPU. Here XLA makes a step of the S10
  composite about 1.15× faster, so ``auto`` uses it on CPUs too, for long runs.
* Compiling with XLA costs about 2 s more than tracing (the train and validation steps, and
  again for a last partial batch) and saves about 0.1 ms per step, which pays off only after
  some 20 000 steps. So a run starts without XLA; once an epoch has been timed, the train and
  validation steps are recompiled with XLA (optimizer state kept) if the rest of the run
  would take at least :data:`XLA_MIN_SECONDS`
  (:class:`~modelgraft.engine.training.callbacks.SwitchToXla`).
* Starting without XLA also proves the batch fits in memory before XLA runs: with
  TensorFlow 2.21 on CPU, an out-of-memory error inside an XLA step compiled with
  ``steps_per_execution`` > 1 corrupts the process heap and the process aborts soon after.
  The next run keeps XLA only at the batch size it was proven with.

``True`` compiles with XLA from the first step (one sentence names what prevents it);
``False`` never does.
"""

from __future__ import annotations

from typing import Any

from .. import runtime
from .settings import SettingsError

__all__ = ["XLA_MIN_SECONDS", "resolve_jit_compile", "xla_blockers"]

XLA_MIN_SECONDS = 20.0
"""Seconds of training left (estimated from a timed epoch) for ``auto`` to switch to XLA."""


def _layers(model: Any) -> list[Any]:
    """Every layer of ``model``, nested ones included (as Keras's own check walks them)."""
    return list(model._flatten_layers(include_self=False))


def xla_blockers(model: Any) -> list[str]:
    """What keeps XLA from compiling ``model``'s train step, one phrase each (empty: nothing).

    Args:
        model: The built Keras model.
    """
    out = [f"layer '{layer.name}' ({type(layer).__name__}) does not support XLA"
           for layer in _layers(model) if not layer.supports_jit]
    runtime.tf()
    from tensorflow.python.framework.config import is_op_determinism_enabled

    if is_op_determinism_enabled():
        out.append("TensorFlow's deterministic ops are on in this process")
    return out


def _variable_inputs(model: Any) -> bool:
    """Whether an input has an axis of unknown length (besides the batch) or holds text."""
    return any(None in tuple(t.shape)[1:] or str(t.dtype) == "string" for t in model.inputs)


def resolve_jit_compile(setting: bool | str, model: Any, *, distributed: bool,
                        deterministic: bool) -> bool | None:
    """Decide whether a run compiles with XLA.

    Args:
        setting: The ``jit_compile`` setting: ``"auto"``, ``True`` or ``False``.
        model: The built Keras model.
        distributed: Whether the run uses a ``tf.distribute`` strategy.
        deterministic: Whether the run asks for deterministic ops.

    Returns:
        ``True`` (from the first step), ``False`` (never) or ``None``: ``auto`` allows XLA, so
        the run may switch to it once an epoch has been timed.

    Raises:
        SettingsError: ``True`` with a layer XLA cannot compile, or with deterministic ops.
    """
    if setting is False:
        return False
    if setting is True:
        blockers = (["training setting 'deterministic' is on"] if deterministic else []) + xla_blockers(model)
        if blockers:
            raise SettingsError(f"training setting 'jit_compile' is true but {blockers[0]}; set it to "
                                "'auto' or false", "jit_compile")
        return True
    if deterministic or distributed or _variable_inputs(model) or xla_blockers(model):
        return False
    return None
