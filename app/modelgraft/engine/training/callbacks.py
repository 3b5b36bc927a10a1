"""Keras callbacks of a training run: stop on request, last good weights, the best weights
on disk, XLA once it pays, throttled progress.

Batch-level callbacks run once per *execution*: with ``steps_per_execution = k`` Keras
compiles ``k`` batches into one call and calls ``on_train_batch_end`` after each call. So a
stop request or a NaN loss is seen after at most ``k`` batches (with ``k = 1``, after the
current batch); the run's default ``k`` keeps one execution to a few tens of milliseconds.

This module defines Keras classes, so it imports Keras at module level; the engine imports
it lazily.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

__all__ = ["BestWeights", "LastGood", "ProgressForwarder", "StopOnFlag", "SwitchToXla", "is_set"]

StopFlag = Callable[[], bool] | Any
"""A ``threading.Event`` (or anything with ``is_set()``) or a callable returning ``True`` to stop."""


def is_set(flag: StopFlag | None) -> bool:
    """Whether a stop flag (event or callable) asks to stop."""
    if flag is None:
        return False
    return bool(flag.is_set()) if hasattr(flag, "is_set") else bool(flag())


class StopOnFlag(keras.callbacks.Callback):
    """Stops training after the current batch (execution) once ``flag`` is set.

    The weights reached are kept (nothing is restored).

    Attributes:
        stopped: Whether the flag stopped the run.
        batches_seen: Batches trained in the epoch it stopped in (1-based count).
    """

    def __init__(self, flag: StopFlag) -> None:
        super().__init__()
        self.flag = flag
        self.stopped = False
        self.batches_seen = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if is_set(self.flag):
            self.model.stop_training = True
            self.stopped = True
            self.batches_seen = batch + 1


class LastGood(keras.callbacks.Callback):
    """Keeps the last good weights of a run and stops it when the loss or the weights go non-finite.

    The good weights are those at the end of the last epoch whose training loss was finite
    and whose weights are all finite, or those from before the run when no epoch got there.
    A copy is kept in memory. When a batch's loss is NaN or infinite (seen after each
    compiled call of ``steps_per_execution`` batches) or an epoch ends with non-finite
    weights, the run stops and :attr:`fault` says where; the caller then puts the good
    weights back with :meth:`restore`, as it does after any other failure.

    Attributes:
        fault: ``None``, or where the loss or the weights became non-finite ("the loss became
            nan in epoch 2, batch 7").
        epoch: The epoch running or last run (1-based, counted like Keras, so a resumed run
            goes on counting); ``0`` before the first.
        batches: Batches finished in that epoch.
        good_epoch: The epoch whose end the good weights are from, or ``None`` for the weights
            from before the run.
    """

    def __init__(self, steps_per_execution: int = 1) -> None:
        super().__init__()
        self.steps_per_execution = steps_per_execution
        self.fault: str | None = None
        self.epoch = 0
        self.batches = 0
        self.good_epoch: int | None = None
        self._good: list[Any] | None = None

    @property
    def restored(self) -> str:
        """Which weights :meth:`restore` puts back, in words ("the weights after epoch 2")."""
        return (f"the weights after epoch {self.good_epoch}" if self.good_epoch is not None
                else "the weights from before the run")

    def restore(self, model: Any | None = None) -> None:
        """Put the good weights back into ``model`` (the trained model by default)."""
        if self._good is not None:
            (model or self.model).set_weights(self._good)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.fault = None
        self.good_epoch = None
        self._good = self.model.get_weights()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch + 1
        self.batches = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.batches = batch + 1
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)) or self.fault is not None:
            return
        where = f"batch {batch + 1}"
        if self.steps_per_execution > 1:
            first = max(1, batch + 2 - self.steps_per_execution)
            where = f"batch {batch + 1} (one of batches {first}–{batch + 1}, run together)"
        self._stop(f"the loss became {float(loss)} in epoch {self.epoch}, {where}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if self.fault is not None or loss is None or not math.isfinite(float(loss)):
            return
        weights = self.model.get_weights()
        if all(np.isfinite(w).all() for w in weights if np.issubdtype(w.dtype, np.inexact)):
            self._good, self.good_epoch = weights, epoch + 1
        else:
            self._stop(f"the weights became NaN or infinite in epoch {epoch + 1}")

    def _stop(self, where: str) -> None:
        self.fault = where
        self.model.stop_training = True


class BestWeights(keras.callbacks.Callback):
    """Writes the weights of the epoch with the lowest ``monitor`` to ``path``, a ``.weights.h5``.

    Saving weights is mostly Python (S10: ~30 ms, 6 % of its 0.5 s epochs, holding the GIL
    the workbench's event loop needs too). So an improved epoch's weights are copied in
    memory and written at most every ``min_interval`` seconds of the run, and when the run
    ends: :meth:`flush` (called by ``on_train_end``, and by the run recorder after a run that
    failed). A crash loses at most that interval's improvements. The file is replaced in one
    step, so it always holds a whole set of weights.

    Attributes:
        best: The lowest finite ``monitor`` value seen (``inf`` before the first).
    """

    def __init__(self, path: str | os.PathLike[str], monitor: str, min_interval: float = 60.0) -> None:
        super().__init__()
        self.path = os.fspath(path)
        self.monitor = monitor
        self.min_interval = min_interval
        self.best = math.inf
        self._pending: list[Any] | None = None
        self._written = 0.0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._written = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)) or float(value) >= self.best:
            return
        self.best = float(value)
        if time.monotonic() - self._written >= self.min_interval:
            self._pending = None
            self._save()
        else:
            self._pending = self.model.get_weights()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.flush()

    def flush(self) -> None:
        """Write the best weights kept in memory, if any, leaving the model's weights as they are."""
        if self._pending is None:
            return
        current = self.model.get_weights()
        self.model.set_weights(self._pending)
        try:
            self._save()
        finally:
            self.model.set_weights(current)
            self._pending = None

    def _save(self) -> None:
        folder, name = os.path.split(self.path)
        partial = os.path.join(folder, f".partial-{name}")  # Keras wants the .weights.h5 suffix
        self.model.save_weights(partial)
        os.replace(partial, self.path)
        self._written = time.monotonic()


class SwitchToXla(keras.callbacks.Callback):
    """Recompiles the train and validation steps with XLA when the rest of the run is long enough.

    After each epoch, until it has decided, it estimates the time per batch: from the end of
    the epoch's first compiled call to the end of its last (tracing happens in the first), or,
    when an epoch is one call, over the whole of a later epoch. If the batches left would
    take at least ``min_seconds``, it turns the model's ``jit_compile`` on and rebuilds its
    train and test functions — Keras fetches ``model.train_function`` for every call, so the
    next epoch runs compiled with XLA, with the same optimizer state — and calls ``switched``.

    Attributes:
        switched_at: The epoch (1-based) after which XLA took over, or ``None``.
    """

    def __init__(self, epochs: int, steps: int | None, min_seconds: float,
                 switched: Callable[[], None]) -> None:
        super().__init__()
        self.epochs = epochs
        self.steps = steps
        self.min_seconds = min_seconds
        self.switched = switched
        self.switched_at: int | None = None
        self._decided = False
        self._first_epoch = True
        self._begin = 0.0
        self._calls: list[tuple[float, int]] = []

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._begin = time.perf_counter()
        self._calls = []

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._decided:
            self._calls.append((time.perf_counter(), batch + 1))

    def _seconds_per_batch(self) -> float | None:
        if len(self._calls) >= 2:
            (start, done), (end, last) = self._calls[0], self._calls[-1]
            return (end - start) / (last - done)
        if self._calls and not self._first_epoch:
            end, last = self._calls[-1]
            return (end - self._begin) / last
        return None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        per_batch = None if self._decided or self.model.stop_training else self._seconds_per_batch()
        self._first_epoch = False
        if per_batch is None:
            return
        self._decided = True
        left = (self.epochs - epoch - 1) * (self.steps or self._calls[-1][1])
        if left * per_batch >= self.min_seconds:
            self.model.jit_compile = True
            self.model.make_train_function(force=True)
            self.model.make_test_function(force=True)
            self.switched_at = epoch + 1
            self.switched()


class ProgressForwarder(keras.callbacks.Callback):
    """Forwards training progress to a plain callable, at most every ``interval_ms`` for batches.

    ``callback(event)`` receives a dict: ``{"kind": "batch", "epoch", "epochs", "batch",
    "steps", "logs"}`` (throttled), ``{"kind": "epoch", "epoch", "epochs", "logs"}`` after every
    epoch (never dropped), ``{"kind": "end", "logs"}`` when training ends. Epochs and
    batches are 1-based; ``steps`` is the number of batches per epoch (``None`` if unknown).
    The callable runs on the training thread: it should only queue the event (e.g. emit a
    queued Qt signal), never draw.
    """

    def __init__(self, callback: Callable[[dict[str, Any]], None], epochs: int,
                 steps: int | None = None, interval_ms: float = 100.0) -> None:
        super().__init__()
        self.callback = callback
        self.epochs = epochs
        self.steps = steps
        self.interval = interval_ms / 1000.0
        self._last = 0.0
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self.callback({"kind": "batch", "epoch": self._epoch + 1, "epochs": self.epochs,
                       "batch": batch + 1, "steps": self.steps, "logs": _floats(logs)})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.callback({"kind": "epoch", "epoch": epoch + 1, "epochs": self.epochs,
                       "logs": _floats(logs)})

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.callback({"kind": "end", "logs": _floats(logs)})


def _floats(logs: dict[str, Any] | None) -> dict[str, float]:
    out = {}
    for key, value in (logs or {}).items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            continue
    return out
