"""Keras callbacks of a training run: stop on request, NaN guard, throttled progress.

Batch-level callbacks run once per *execution*: with ``steps_per_execution = k`` Keras
compiles ``k`` batches into one call and calls ``on_train_batch_end`` after each call. So a
stop request or a NaN loss is seen after at most ``k`` batches (with ``k = 1``, after the
current batch); the run's default ``k`` keeps one execution to a few tens of milliseconds.

This module defines Keras classes, so it imports Keras at module level; the engine imports
it lazily.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import keras

__all__ = ["NanGuard", "ProgressForwarder", "StopOnFlag", "is_set"]

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


class NanGuard(keras.callbacks.Callback):
    """Stops on a non-finite loss and restores the weights of the last finished epoch.

    A copy of all weights is kept in memory at the start and after every epoch whose
    loss was finite. When a batch's loss is NaN or infinite the run stops, those weights
    are put back, and :attr:`message` names the epoch and batch (1-based).

    Attributes:
        message: ``None``, or the sentence describing where the loss became non-finite.
    """

    def __init__(self, steps_per_execution: int = 1) -> None:
        super().__init__()
        self.steps_per_execution = steps_per_execution
        self.message: str | None = None
        self._good: list[Any] | None = None
        self._good_epoch = 0
        self._epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.message = None
        self._good = self.model.get_weights()
        self._good_epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)) or self.message is not None:
            return
        where = f"batch {batch + 1}"
        if self.steps_per_execution > 1:
            first = max(1, batch + 2 - self.steps_per_execution)
            where = f"batch {batch + 1} (one of batches {first}–{batch + 1}, run together)"
        restored = (f"the weights after epoch {self._good_epoch} were restored" if self._good_epoch
                    else "the weights from before the run were restored")
        self.message = (f"the loss became {float(loss)} in epoch {self._epoch + 1}, {where}; "
                        f"training stopped and {restored} (try a smaller learning rate, or check "
                        "the data for NaN or infinite values)")
        self.model.stop_training = True
        if self._good is not None:
            self.model.set_weights(self._good)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if self.message is None and loss is not None and math.isfinite(float(loss)):
            self._good = self.model.get_weights()
            self._good_epoch = epoch + 1


class ProgressForwarder(keras.callbacks.Callback):
    """Forwards training progress to a plain callable, at most every ``interval_ms`` for batches.

    ``callback(event)`` receives a dict: ``{"kind": "batch", "epoch", "batch", "steps",
    "logs"}`` (throttled), ``{"kind": "epoch", "epoch", "epochs", "logs"}`` after every
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
        self.callback({"kind": "batch", "epoch": self._epoch + 1, "batch": batch + 1,
                       "steps": self.steps, "logs": _floats(logs)})

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
