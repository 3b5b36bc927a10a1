"""Training the open document on the engine thread, with progress, stop, resume and restore.

The GUI thread never waits for training. :meth:`TrainingController.train` takes a snapshot
of the graph (the user goes on editing the original), and trains a detached copy of the
project on the engine thread; the copy shares the project's engine session, so the weights
reached are the ones the next export or run starts from. Progress events (throttled on the
engine side to ten batch events a second, every epoch kept) cross to the GUI thread through a
queued signal. When the run ends, what it changed in the project — fitted normalize
statistics, new category ids of the data — is applied to the document as one undo step.

Signals (GUI thread):

- ``state_changed(str)``: ``"idle"``, ``"running"`` or ``"stopping"``.
- ``run_started(object)``: a :class:`RunStart`.
- ``event(dict)``: a batch or epoch event of the running run (see
  :class:`~modelgraft.engine.training.callbacks.ProgressForwarder`); epochs are absolute
  (a resumed run goes on counting).
- ``status(float, str)``: the fraction of the run done and a line for the status bar
  (epoch, batch, time left); at most every :data:`STATUS_INTERVAL_S` within an epoch.
- ``run_finished(object)``: a :class:`RunOutcome`.
- ``runs_changed()``: the saved runs of the project changed (a run ended, weights restored).
- ``message(str)``: one sentence for the status bar.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

from ... import train_api
from ...core.errors import ModelGraftError
from ...engine.training import TrainSettings
from ..commands import SetParamsCommand

if TYPE_CHECKING:
    from ...project import Project
    from ..bridge import EngineBridge
    from ..document import Document

__all__ = ["STATUS_INTERVAL_S", "RunOutcome", "RunStart", "TrainingController", "format_duration"]

STATUS_INTERVAL_S = 0.5
"""The status bar's progress follows batches at most this often (every epoch's end is shown):
each update repaints the status bar, CPU time that training on a busy machine misses."""


@dataclass(frozen=True)
class RunStart:
    """A run that just started.

    Attributes:
        title: What the panel shows (``"Run 3"``, ``"Run 3 (resumed)"``).
        epochs: The last epoch of the run (1-based).
        initial_epoch: Epochs trained before it (``0``, or more for Resume).
        resumed: Whether it continues a stopped run.
    """

    title: str
    epochs: int
    initial_epoch: int
    resumed: bool


@dataclass
class RunOutcome:
    """How a run ended.

    Attributes:
        history: ``{metric: [value per epoch]}`` of the epochs this run trained.
        stopped: The user stopped it.
        error: The sentence of the failure (NaN loss, out of memory, bad data), or ``None``.
        epochs_done: The last epoch finished (absolute, for Resume).
        epochs: The run's last epoch.
        seconds: Time spent in training on the engine thread.
    """

    history: dict[str, list[float]] = field(default_factory=dict)
    stopped: bool = False
    error: str | None = None
    epochs_done: int = 0
    epochs: int = 0
    seconds: float = 0.0


def format_duration(seconds: float) -> str:
    """``75`` → ``"1:15"``, ``3725`` → ``"1:02:05"``."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _sentence(error: BaseException) -> str:
    if isinstance(error, ModelGraftError):
        return str(error)
    return f"training failed: {type(error).__name__}: {error}"


class TrainingController(QObject):
    """Train, stop, resume and restore for one document (all calls on the GUI thread)."""

    state_changed = Signal(str)
    run_started = Signal(object)
    event = Signal(dict)
    status = Signal(float, str)
    run_finished = Signal(object)
    runs_changed = Signal()
    message = Signal(str)
    _from_engine = Signal(dict)

    def __init__(self, doc: Document, bridge: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.bridge = bridge
        self.state = "idle"
        self.last: RunOutcome | None = None
        self._stop = threading.Event()
        self._run: RunStart | None = None
        self._started_at = 0.0
        self._first_fraction: float | None = None
        self._first_time = 0.0
        self._status_time = 0.0  # when the status bar was last told of a batch
        self._epochs_done = 0
        self._unsaved_runs = 0
        self._from_engine.connect(self._on_engine_event, Qt.ConnectionType.QueuedConnection)
        doc.project_replaced.connect(self._forget_last)

    # ------------------------------------------------------------------ state

    @property
    def running(self) -> bool:
        """Whether a run (or a restore) is under way."""
        return self.state != "idle"

    @property
    def can_resume(self) -> bool:
        """Whether the last run was stopped before its last epoch (Resume continues it)."""
        last = self.last
        return not self.running and last is not None and last.stopped and last.epochs_done < last.epochs

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _forget_last(self, _project: Any = None) -> None:
        self.last = None
        self.state_changed.emit(self.state)

    # ------------------------------------------------------------------ actions

    def train(self) -> bool:
        """Run ▸ Train: a new run of the project's epochs, from the weights reached so far.

        Returns:
            ``False`` (with a message) when a run is under way or the graph cannot train.
        """
        settings = TrainSettings.from_dict(self.doc.project.training)
        return self._start(0, settings.epochs, resumed=False)

    def resume(self) -> bool:
        """Run ▸ Resume: train the epochs a stopped run left, numbered on."""
        if not self.can_resume or self.last is None:
            self.message.emit("there is no stopped run to resume")
            return False
        return self._start(self.last.epochs_done, self.last.epochs, resumed=True)

    def stop(self) -> None:
        """Run ▸ Stop: the run ends within the running batch and keeps the weights reached."""
        if self.state == "running":
            self._stop.set()
            self._set_state("stopping")
            self.message.emit("Stopping after the current batch…")

    def restore(self, run_id: str) -> bool:
        """Put a saved run's best weights back into the models (on the engine thread)."""
        if self.running:
            self.message.emit("wait for the training run to end before restoring weights")
            return False
        copy = self._copy()
        if copy is None:
            return False
        self._set_state("running")

        def done(_: Any) -> None:
            self._set_state("idle")
            self.message.emit(f"Restored the best weights of run {run_id}")
            self.runs_changed.emit()

        def failed(error: BaseException) -> None:
            self._set_state("idle")
            self.message.emit(_sentence(error))

        self.bridge.run(f"Restoring the weights of run {run_id}", train_api.restore_run, copy, run_id,
                        on_done=done, on_error=failed, cancellable=False)
        return True

    # ------------------------------------------------------------------ run

    def _copy(self) -> Project | None:
        """A detached copy of the project for the engine thread (``None``, said, if the graph
        cannot be copied)."""
        try:
            return self.doc.project.detached(self.doc.snapshot())
        except ModelGraftError as err:
            self.message.emit(str(err))
            return None

    def _start(self, initial_epoch: int, epochs: int, resumed: bool) -> bool:
        if self.running:
            self.message.emit("a training run is already under way")
            return False
        errors = [p for p in self.doc.graph.check() if p.severity == "error"]
        if errors:
            self.message.emit(f"cannot train: {errors[0].message}")
            return False
        copy = self._copy()
        if copy is None:
            return False
        before = {n.name: dict(n.params) for n in copy.graph}
        data_before = copy.data
        project = self.doc.project
        self._unsaved_runs += project.path is None
        number = len(train_api.runs(project)) + 1 if project.path else self._unsaved_runs
        self._run = RunStart(f"Run {number}{' (resumed)' if resumed else ''}", epochs, initial_epoch, resumed)
        self._stop.clear()
        self._epochs_done = initial_epoch
        self._started_at = time.monotonic()
        self._first_fraction = None
        self._status_time = 0.0
        emit = self._from_engine.emit

        def job() -> tuple[dict[str, list[float]], BaseException | None, float]:
            start = time.perf_counter()
            try:
                history = train_api.train(copy, epochs=epochs, initial_epoch=initial_epoch,
                                          progress=emit, stop=self._stop)
            except ModelGraftError as err:
                return getattr(err, "history", {}), err, time.perf_counter() - start
            return history, None, time.perf_counter() - start

        def done(result: tuple[dict[str, list[float]], BaseException | None, float]) -> None:
            history, error, seconds = result
            self._finish(project, copy, before, data_before, history, error, seconds)

        def failed(error: BaseException) -> None:
            self._finish(project, copy, before, data_before, {}, error, 0.0)

        self._set_state("running")
        self.run_started.emit(self._run)
        where = "" if project.path else " (save the project to keep a record of its runs)"
        self.message.emit(f"Training {self._run.title.lower()}…{where}")
        self.bridge.run(f"Training {project.name}", job, on_done=done, on_error=failed, cancellable=False)
        return True

    def _on_engine_event(self, event: dict[str, Any]) -> None:
        if self._run is None or event.get("kind") not in ("batch", "epoch"):
            return
        run = self._run
        if event["kind"] == "epoch":
            self._epochs_done = int(event["epoch"])
            done_epochs = float(self._epochs_done)
        else:
            steps = event.get("steps")
            within = event["batch"] / steps if steps else 0.0
            done_epochs = event["epoch"] - 1 + min(within, 1.0)
        self.event.emit(event)
        now = time.monotonic()
        if event["kind"] == "batch" and now - self._status_time < STATUS_INTERVAL_S:
            return
        self._status_time = now
        span = max(1, run.epochs - run.initial_epoch)
        fraction = min(1.0, max(0.0, (done_epochs - run.initial_epoch) / span))
        self.status.emit(fraction, self._status_text(event, fraction))

    def _status_text(self, event: dict[str, Any], fraction: float) -> str:
        run = self._run
        assert run is not None
        parts = [f"Epoch {event['epoch']}/{run.epochs}"]
        if event["kind"] == "batch" and event.get("steps"):
            parts.append(f"batch {event['batch']}/{event['steps']}")
        loss = event.get("logs", {}).get("loss")
        if loss is not None:
            parts.append(f"loss {loss:.4g}")
        now = time.monotonic()
        if self._first_fraction is None:
            self._first_fraction, self._first_time = fraction, now  # the time before counts set-up
        elif fraction > self._first_fraction:
            rate = (fraction - self._first_fraction) / max(1e-9, now - self._first_time)
            parts.append(f"{format_duration((1.0 - fraction) / rate)} left")
        return " · ".join(parts)

    def _finish(self, project: Project, copy: Project, before: dict[str, dict[str, Any]],
                data_before: dict[str, Any], history: dict[str, list[float]],
                error: BaseException | None, seconds: float) -> None:
        run = self._run
        stopped = self._stop.is_set()
        self._run = None
        outcome = RunOutcome(history, stopped and error is None, _sentence(error) if error else None,
                             self._epochs_done, run.epochs if run else 0, seconds)
        self.last = outcome
        if project is self.doc.project:
            self._apply_changes(copy, before, data_before)
        self._set_state("idle")
        if outcome.error:
            self.message.emit(outcome.error)
        elif outcome.stopped:
            self.message.emit(f"Training stopped after epoch {outcome.epochs_done} of {outcome.epochs} "
                              "(Resume continues from the weights reached)")
        else:
            last = {k: v[-1] for k, v in history.items() if v}
            summary = ", ".join(f"{k} {v:.4g}" for k, v in last.items() if "loss" in k)
            self.message.emit(f"Training finished in {format_duration(seconds)}" + (f": {summary}" if summary else ""))
        self.run_finished.emit(outcome)
        self.runs_changed.emit()

    def _apply_changes(self, copy: Project, before: dict[str, dict[str, Any]],
                       data_before: dict[str, Any]) -> None:
        """Bring what the run changed (fitted statistics, category ids) into the document,
        as one undo step, unless the user changed the same values meanwhile."""
        graph = self.doc.graph
        edits: list[tuple[str, dict[str, Any]]] = []
        for node in copy.graph:
            old = before.get(node.name, {})
            changed = {k: v for k, v in node.params.items() if old.get(k) != v}
            if changed and node.name in graph:
                live = graph.node(node.name).params
                changed = {k: v for k, v in changed.items() if live.get(k) == old.get(k)}
                if changed:
                    edits.append((node.name, changed))
        data_changed = copy.data != data_before and self.doc.project.data == data_before
        if not edits and not data_changed:
            return
        stack = self.doc.undo_stack
        stack.beginMacro("Fit statistics and categories of the training data")
        for name, changes in edits:
            stack.push(SetParamsCommand(self.doc, name, changes))
        if data_changed:
            self.doc.set_section("data", copy.data, "Save category ids of the training data")
        stack.endMacro()
