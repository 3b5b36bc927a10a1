"""Pacing the live plots: their drawing takes at most a fixed share of one core during a run.

Training keeps every core busy, and each millisecond the GUI thread spends drawing is taken
from it: TensorFlow splits an op over the cores and waits for the slowest part, so a
core taken away delays the whole step. Measured on 2 cores with S10, a process busy 6 % of
one core slowed training by 6 %, one busy 12 % by 20 %. At a fixed rate, redrawing S10's two
plots five times a second took 3.6 % of a core; a panel with more plots, or a slower
machine, takes more. So the panel measures the CPU time its drawing costs — pushing data
into the plots and painting them — and waits between redraws long enough that drawing stays
within :data:`DRAW_CPU_SHARE` of one core, however costly a redraw is here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pyqtgraph as pg
from PySide6.QtGui import QPaintEvent

__all__ = ["DRAW_CPU_SHARE", "MAX_PAUSE_MS", "DrawBudget", "PacedPlotView"]

DRAW_CPU_SHARE = 0.01
"""The share of one core the live plots may take while a run goes on."""

MAX_PAUSE_MS = 2000
"""The longest pause between two redraws, however costly they are."""


class DrawBudget:
    """The CPU time drawing takes, and the pauses between redraws that keep it in its share.

    Attributes:
        share: The share of one core drawing may take.
        last: The CPU seconds of drawing the last pause paid for.
        total: The CPU seconds of all drawing counted.
    """

    def __init__(self, share: float = DRAW_CPU_SHARE) -> None:
        self.share = share
        self.last = 0.0
        self.total = 0.0
        self._spent = 0.0  # CPU seconds spent drawing since the last pause was chosen

    @contextlib.contextmanager
    def drawing(self) -> Iterator[None]:
        """Count the CPU time of the calling thread in the block as drawing."""
        start = time.thread_time()
        try:
            yield
        finally:
            spent = time.thread_time() - start
            self._spent += spent
            self.total += spent

    def pause_ms(self, shortest_ms: int) -> int:
        """The pause before the next redraw, after one has been pushed.

        The pause pays for the drawing counted since the last call (the previous redraw's
        painting and this redraw's push): that drawing fills no more than :attr:`share` of
        the time from its start to the next redraw. It is at least ``shortest_ms`` and at
        most :data:`MAX_PAUSE_MS`.
        """
        self.last, self._spent = self._spent, 0.0
        return int(min(MAX_PAUSE_MS, max(shortest_ms, 1000.0 * self.last / self.share)))


class PacedPlotView(pg.GraphicsLayoutWidget):
    """pyqtgraph's layout of plots, counting the CPU time of its painting in a :class:`DrawBudget`.

    Attributes:
        budget: Where its painting is counted.
    """

    def __init__(self, budget: DrawBudget) -> None:
        super().__init__()
        self.budget = budget

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        with self.budget.drawing():
            super().paintEvent(event)
