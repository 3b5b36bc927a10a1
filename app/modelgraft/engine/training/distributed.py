"""The epoch loop used with ``MultiWorkerMirroredStrategy`` (Keras 3's ``fit`` cannot run it).

Keras 3.15's TensorFlow trainer reduces the train step's scalar logs with
``strategy.reduce("MEAN", v, axis=0)`` under a multi-worker strategy, which fails with
"Invalid reduction dimension 0 for input with 0 dimensions" (tensorflow/tensorflow#72388).
This loop runs the model's own ``train_step``/``test_step`` under ``strategy.run`` (so
losses, loss weights, metrics and the optimizer behave exactly as in ``fit``), reduces the
logs across workers with ``axis=None``, and drives the usual Keras callbacks.

Every worker must run the same number of steps or the collectives hang, so each epoch is
a fixed ``rows // batch_size`` steps over a repeated dataset.
"""

from __future__ import annotations

from typing import Any

from .. import runtime

__all__ = ["fit_multiworker"]


def _step_function(model: Any, strategy: Any, step: str) -> Any:
    tf = runtime.tf()
    method = model.train_step if step == "train" else model.test_step

    @tf.function
    def run(iterator: Any) -> Any:
        logs = strategy.run(method, args=(next(iterator),))
        return {k: strategy.reduce("MEAN", v, axis=None) for k, v in logs.items()}

    return run


def _logs(values: dict[str, Any], prefix: str = "") -> dict[str, float]:
    return {prefix + k: float(v) for k, v in values.items()}


def fit_multiworker(model: Any, strategy: Any, train: Any, validation: Any, train_rows: int,
                    validation_rows: int, batch_size: int, epochs: int,
                    callbacks: list[Any], initial_epoch: int = 0) -> dict[str, list[float]]:
    """Train a compiled model (built in ``strategy.scope()``) on every worker in lock-step.

    Args:
        model: The compiled ``keras.Model``.
        strategy: The ``MultiWorkerMirroredStrategy``.
        train: The training ``tf.data.Dataset`` (global batches, same order on every worker).
        validation: The validation dataset, or ``None``.
        train_rows: Training rows (fixes the steps per epoch).
        validation_rows: Validation rows.
        batch_size: The global batch size.
        epochs: The last epoch to train (1-based count, like Keras's ``fit``).
        callbacks: Keras callbacks (``model.stop_training`` is honoured after each step).
        initial_epoch: Epochs already trained (the run starts at the next one).

    Returns:
        The history, ``{metric: [value per epoch]}``, identical on every worker.
    """
    keras = runtime.keras()
    steps = max(1, train_rows // batch_size)
    val_steps = validation_rows // batch_size if validation is not None else 0
    train_iter = iter(strategy.experimental_distribute_dataset(train.repeat()))
    val_iter = iter(strategy.experimental_distribute_dataset(validation.repeat())) if val_steps else None
    train_fn = _step_function(model, strategy, "train")
    test_fn = _step_function(model, strategy, "test") if val_steps else None
    cbs = keras.callbacks.CallbackList(callbacks, model=model, epochs=epochs, steps=steps, verbose=0)
    history: dict[str, list[float]] = {}
    model.stop_training = False
    cbs.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        cbs.on_epoch_begin(epoch)
        logs: dict[str, float] = {}
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            logs = _logs(train_fn(train_iter))
            cbs.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        if test_fn is not None and not model.stop_training:
            model.reset_metrics()
            for _ in range(val_steps):
                values = test_fn(val_iter)
            logs.update(_logs(values, "val_"))
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return history
