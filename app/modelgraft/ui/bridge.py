"""The GUI's way to the engine thread: jobs submitted there, results delivered back queued.

The engine thread owns every TensorFlow object (:mod:`modelgraft.engine.runtime`); the GUI
thread never waits for it. A job's callbacks run on the GUI thread, delivered through a
queued Qt signal; the engine thread never touches a widget.

Signals (GUI thread):

- ``busy_changed(bool)``: whether any job is queued or running.
- ``job_started(int, str)``, ``job_finished(int, str, bool)``: id, description, success.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, Signal

from ..engine import runtime

__all__ = ["EngineBridge", "Job"]


@dataclass
class Job:
    """One piece of engine work: what it is, and what to do with its outcome."""

    id: int
    description: str
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    cancelled: bool = False
    cancellable: bool = True
    future: Future[Any] | None = field(default=None, repr=False)


class EngineBridge(QObject):
    """Runs callables on the engine thread and hands their results to the GUI thread."""

    busy_changed = Signal(bool)
    job_started = Signal(int, str)
    job_finished = Signal(int, str, bool)
    _delivered = Signal(int, object, object)
    _reniced = False

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self.jobs: dict[int, Job] = {}
        self._delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        if not EngineBridge._reniced:  # the event loop comes first when training fills the cores
            EngineBridge._reniced = True
            runtime.lower_engine_priority()

    @property
    def busy(self) -> bool:
        """Whether any job is queued or running."""
        return bool(self.jobs)

    def run(self, description: str, fn: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None, cancellable: bool = True,
            **kwargs: Any) -> Job:
        """Queue ``fn(*args, **kwargs)`` on the engine thread.

        ``on_done(result)`` or ``on_error(exception)`` then runs on the GUI thread, unless
        the job was cancelled first. A job that is not ``cancellable`` (training, which has
        its own Stop) is left alone by :meth:`cancel`.
        """
        job = Job(next(self._ids), description, on_done, on_error, cancellable=cancellable)
        was_busy = self.busy
        self.jobs[job.id] = job
        job.future = runtime.submit(fn, *args, **kwargs)
        job.future.add_done_callback(lambda f, i=job.id: self._finished_on_engine(i, f))
        self.job_started.emit(job.id, description)
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job (all cancellable ones if ``None``): queued jobs never run; a running
        one finishes on the engine thread but its result is dropped."""
        for job in list(self.jobs.values()):
            if (job_id is None and job.cancellable) or job.id == job_id:
                job.cancelled = True
                if job.future is not None:
                    job.future.cancel()

    def _finished_on_engine(self, job_id: int, future: Future[Any]) -> None:
        if future.cancelled():
            self._delivered.emit(job_id, None, None)
            return
        error = future.exception()
        self._delivered.emit(job_id, None if error else future.result(), error)

    def _deliver(self, job_id: int, result: Any, error: BaseException | None) -> None:
        job = self.jobs.pop(job_id, None)
        if job is None:
            return
        ok = error is None and not job.cancelled
        self.job_finished.emit(job.id, job.description, ok)
        if not self.jobs:
            self.busy_changed.emit(False)
        if job.cancelled:
            return
        if error is not None:
            if job.on_error is not None:
                job.on_error(error)
        elif job.on_done is not None:
            job.on_done(result)
