"""Helpers shared by the measurements."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Callable

OUT = Path(__file__).resolve().parent / "out"


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``fn`` in milliseconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def timed_pair(ours: Callable[[], object], anchor: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Fastest times (ms) of ``ours`` and ``anchor`` over ``repeat`` alternating runs.

    Alternating makes drift hit both alike; the minimum is reported because the noise of a
    shared machine (other processes, disk writeback) only ever adds time.
    """
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        for fn, out in ((ours, a), (anchor, b)):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return min(a), min(b)


def report(metric: str, ours: float, goal: float, kind: str, anchor: float | None = None,
           unit: str = "ms") -> None:
    """Print the measurement's result line."""
    print(json.dumps({"metric": metric, "ours": ours, "anchor": anchor, "unit": unit,
                      "goal": goal, "kind": kind}))
