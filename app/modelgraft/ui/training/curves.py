"""The data behind the live training curves: per-batch, smoothed and per-epoch points.

:class:`CurveStore` is plain Python and numpy (no Qt), fed with the progress events of a
training run (see ``engine/training/callbacks.py``, ``ProgressForwarder``) and read by the
training panel as numpy arrays.

Where points go on the x axis (in epochs):

* a batch event is at ``epoch - 1 + batch / steps``, so the last batch of epoch ``e`` lands
  on ``x = e``, where that epoch's point is;
* when the run does not know ``steps`` (a data source of unknown length), the batches of the
  first epoch are spread over ``(0, 1]`` by the highest batch number seen so far (and move
  as it grows); when that epoch ends, its highest batch number becomes the steps per epoch
  for the rest of the store's life;
* an epoch event is at ``x = epoch``.

What a batch point shows: Keras reports running means over the epoch so far, which jump at
every epoch start and flatten as the epoch goes on. The store turns them back into the mean
of the batches since the previous event of the same epoch,
``(b₂·m₂ − b₁·m₁) / (b₂ − b₁)`` for running means ``m₁``, ``m₂`` after batches ``b₁ < b₂``
(the first event of an epoch shows its running mean as is), so the per-batch curve follows
the recent batches.

A batch or epoch that is not after the last one recorded (a resumed run that restarts an
interrupted epoch) replaces the points from there on, so x always increases.

Smoothing is TensorBoard's: an exponential moving average with weight ``w`` whose start-up
bias is corrected, ``s_t = m_t / (1 - w**n_t)`` with ``m_t = w m_{t-1} + (1 - w) y_t``
(``n_t`` counts the finite values so far; a non-finite value is passed through unsmoothed).

Example::

    store = CurveStore(smoothing=0.6)
    store.add_event({"kind": "batch", "epoch": 1, "batch": 5, "steps": 10, "logs": {"loss": 0.9}})
    store.add_event({"kind": "epoch", "epoch": 1, "epochs": 3, "logs": {"loss": 0.8, "val_loss": 0.85}})
    store.groups()              # [("loss", ["loss", "val_loss"])]
    x, y = store.batch_curve("loss")   # (array([0.5]), array([0.9]))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["DEFAULT_SMOOTHING", "CurveStore", "group_title", "metric_groups"]

DEFAULT_SMOOTHING = 0.6
MAX_SMOOTHING = 0.99
_VAL = "val_"


def group_title(key: str) -> str:
    """The plot a metric belongs to: its name without the ``val_`` prefix."""
    return key.removeprefix(_VAL)


def metric_groups(keys: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Group metric keys into plots: ``m`` with ``val_m``, the total ``loss`` first.

    Args:
        keys: Metric keys in the order they were first seen.

    Returns:
        ``(title, keys)`` pairs; the other groups keep the order their first key was seen in,
        and in each group the training key comes before the validation key.
    """
    groups: dict[str, list[str]] = {}
    for key in keys:
        members = groups.setdefault(group_title(key), [])
        if key not in members:
            members.append(key)
    ordered = sorted(groups.items(), key=lambda item: item[0] != "loss")  # stable: loss first
    return [(title, sorted(members, key=lambda k: k.startswith(_VAL))) for title, members in ordered]


class _Buffer:
    """A growable 1-d numpy array: appends are amortised O(1), reads are views (no copy)."""

    def __init__(self, dtype: type = np.float64) -> None:
        self._data = np.empty(64, dtype=dtype)
        self.size = 0

    def append(self, value: float) -> None:
        if self.size == len(self._data):
            grown = np.empty(2 * len(self._data), dtype=self._data.dtype)
            grown[:self.size] = self._data[:self.size]
            self._data = grown
        self._data[self.size] = value
        self.size += 1

    def truncate(self, size: int) -> None:
        """Keep the first ``size`` values (in a fresh array, so views already handed out keep theirs)."""
        data = np.empty(max(64, len(self._data)), dtype=self._data.dtype)
        data[:size] = self._data[:size]
        self._data, self.size = data, size

    def view(self) -> np.ndarray:
        return self._data[:self.size]


class _Ema:
    """The running state of a bias-corrected exponential moving average."""

    def __init__(self, weight: float) -> None:
        self.weight = weight
        self.mean = 0.0
        self.count = 0

    def step(self, value: float) -> float:
        if not math.isfinite(value):
            return value
        self.mean = self.weight * self.mean + (1.0 - self.weight) * value
        self.count += 1
        return self.mean / (1.0 - self.weight ** self.count)


class _BatchSeries:
    """The per-batch points of one metric (raw and smoothed), with their epoch and batch numbers.

    Points placed with a provisional steps estimate (first epoch of unknown length) are the
    ones from index ``loose`` on; :meth:`place` moves them when the estimate changes.
    """

    def __init__(self, smoothing: float) -> None:
        self.epoch = _Buffer(np.int64)
        self.batch = _Buffer(np.int64)
        self.x = _Buffer()
        self.running = _Buffer()  # the running means as reported
        self.y = _Buffer()
        self.smooth = _Buffer()
        self.ema = _Ema(smoothing)
        self.loose: int | None = None
        self.loose_scale = 0

    def add(self, epoch: int, batch: int, scale: int, provisional: bool, value: float) -> None:
        n = self.x.size
        if n and (epoch, batch) <= (int(self.epoch.view()[-1]), int(self.batch.view()[-1])):
            ep, bt = self.epoch.view(), self.batch.view()
            self._truncate(int(np.flatnonzero((ep > epoch) | ((ep == epoch) & (bt >= batch)))[0]))
        if provisional and self.loose is None:
            self.loose, self.loose_scale = self.x.size, scale
        recent = value
        if self.x.size and int(self.epoch.view()[-1]) == epoch:
            before, mean = int(self.batch.view()[-1]), float(self.running.view()[-1])
            if math.isfinite(mean) and math.isfinite(value):
                recent = (batch * value - before * mean) / (batch - before)
        self.epoch.append(epoch)
        self.batch.append(batch)
        self.x.append(epoch - 1 + min(batch / scale, 1.0))
        self.running.append(value)
        self.y.append(recent)
        self.smooth.append(self.ema.step(recent))

    def place(self, scale: int, final: bool) -> None:
        """Move the provisionally placed points to ``scale`` steps per epoch."""
        if self.loose is not None and scale != self.loose_scale:
            start = self.loose
            x = self.x.view()
            ep, bt = self.epoch.view()[start:], self.batch.view()[start:]
            x[start:] = ep - 1 + np.minimum(bt / scale, 1.0)
            self.loose_scale = scale
        if final:
            self.loose = None

    def resmooth(self, weight: float) -> None:
        """Recompute the smoothed series with a new weight."""
        self.ema = _Ema(weight)
        self.smooth.truncate(0)
        for value in self.y.view().tolist():
            self.smooth.append(self.ema.step(value))

    def _truncate(self, size: int) -> None:
        for buffer in (self.epoch, self.batch, self.x, self.running, self.y):
            buffer.truncate(size)
        if self.loose is not None and self.loose >= size:
            self.loose = None
        self.resmooth(self.ema.weight)


class CurveStore:
    """Live training curves of one (or, continued, several) runs, by metric key.

    Not thread-safe: feed it on the GUI thread (the controller queues events there).

    Args:
        smoothing: Initial smoothing weight, ``0`` (none) to ``0.99``.
    """

    def __init__(self, smoothing: float = DEFAULT_SMOOTHING) -> None:
        self._smoothing = _clamp(smoothing)
        self._batches: dict[str, _BatchSeries] = {}
        self._epoch_x: dict[str, _Buffer] = {}
        self._epoch_y: dict[str, _Buffer] = {}
        self._order: dict[str, None] = {}  # every key, in the order first seen
        self._steps: int | None = None  # learned steps per epoch when events do not say
        self._provisional = 0  # highest batch number of the first epoch of unknown length

    @property
    def smoothing(self) -> float:
        """The smoothing weight of the per-batch curves."""
        return self._smoothing

    def set_smoothing(self, weight: float) -> None:
        """Change the smoothing weight (clamped to ``0..0.99``) and recompute every smoothed series."""
        weight = _clamp(weight)
        if weight == self._smoothing:
            return
        self._smoothing = weight
        for series in self._batches.values():
            series.resmooth(weight)

    def clear(self) -> None:
        """Forget every point and the learned steps per epoch (the smoothing weight stays)."""
        self._batches.clear()
        self._epoch_x.clear()
        self._epoch_y.clear()
        self._order.clear()
        self._steps = None
        self._provisional = 0

    def add_event(self, event: Mapping[str, Any]) -> set[str]:
        """Record a ``batch`` or ``epoch`` progress event (other kinds are ignored).

        Returns:
            The metric keys whose points changed.
        """
        kind = event.get("kind")
        if kind == "batch":
            return self.add_batch(event["epoch"], event["batch"], event.get("steps"), event["logs"])
        if kind == "epoch":
            return self.add_epoch(event["epoch"], event["logs"])
        return set()

    def add_batch(self, epoch: int, batch: int, steps: int | None, logs: Mapping[str, float]) -> set[str]:
        """Record the running means of a batch (``epoch`` and ``batch`` 1-based); the points
        are the means of the batches since the previous event.

        Returns:
            The metric keys whose points changed.
        """
        provisional = not steps and not self._steps
        if provisional:
            self._provisional = max(self._provisional, batch)
            scale = self._provisional
        else:
            scale = steps or self._steps or 1
        for key, value in logs.items():
            series = self._batches.get(key)
            if series is None:
                series = self._batches[key] = _BatchSeries(self._smoothing)
                self._order.setdefault(key)
            series.add(epoch, batch, scale, provisional, float(value))
        return set(logs)

    def add_epoch(self, epoch: int, logs: Mapping[str, float]) -> set[str]:
        """Record the end-of-epoch values (``epoch`` 1-based).

        Returns:
            The metric keys whose points changed (every batch key too, when this epoch fixed
            the steps per epoch of a run of unknown length).
        """
        changed = set(logs)
        if not self._steps and self._provisional:
            self._steps = self._provisional
            for key, series in self._batches.items():
                if series.loose is not None:
                    series.place(self._steps, final=True)
                    changed.add(key)
        for key, value in logs.items():
            xs = self._epoch_x.get(key)
            if xs is None:
                xs = self._epoch_x[key] = _Buffer()
                self._epoch_y[key] = _Buffer()
                self._order.setdefault(key)
            ys = self._epoch_y[key]
            if xs.size and epoch <= xs.view()[-1]:
                keep = int(np.searchsorted(xs.view(), epoch))
                xs.truncate(keep)
                ys.truncate(keep)
            xs.append(epoch)
            ys.append(float(value))
        return changed

    def keys(self) -> list[str]:
        """Every metric key seen, in the order first seen."""
        return list(self._order)

    def groups(self) -> list[tuple[str, list[str]]]:
        """The plots these metrics make: see :func:`metric_groups`."""
        return metric_groups(self._order)

    def batch_curve(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of a metric's raw per-batch points (empty arrays for an unknown key)."""
        series = self._series(key)
        return (series.x.view(), series.y.view()) if series else _empty()

    def smoothed_curve(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of a metric's smoothed per-batch points."""
        series = self._series(key)
        return (series.x.view(), series.smooth.view()) if series else _empty()

    def epoch_curve(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of a metric's per-epoch points (``x`` = epoch number)."""
        if key not in self._epoch_x:
            return _empty()
        return self._epoch_x[key].view(), self._epoch_y[key].view()

    def _series(self, key: str) -> _BatchSeries | None:
        series = self._batches.get(key)
        if series is not None and series.loose is not None and not self._steps:
            series.place(self._provisional, final=False)
        return series


def _clamp(weight: float) -> float:
    return min(max(float(weight), 0.0), MAX_SMOOTHING)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0), np.empty(0)
