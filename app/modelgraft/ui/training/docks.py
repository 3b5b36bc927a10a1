"""The window's training side: the Training and Runs docks, wired to the controller.

:class:`TrainingDocks` owns the :class:`~modelgraft.ui.training.controller.TrainingController`
of the window's document, the live-curves panel and the runs list, and keeps them in step:
a run's events go to the curves, its progress to the status bar, its end to the runs list;
checked runs are overlaid; Restore Weights asks the controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMessageBox

from ... import train_api
from ...engine.training.loop import available_devices
from .controller import RunOutcome, RunStart, TrainingController
from .panel import TrainingPanel
from .runs_panel import RunsPanel

if TYPE_CHECKING:
    from ..main_window import MainWindow

__all__ = ["TrainingDocks"]

TRAINING_HEIGHT = 300
PROGRESS_STEPS = 1000


class TrainingDocks(QObject):
    """Creates the Training and Runs docks of ``window`` and connects them.

    Attributes:
        controller: Train, stop, resume and restore for the window's document.
        panel: The live curves (Training dock).
        runs: The saved runs (Runs dock).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        doc = window.doc
        self.controller = TrainingController(doc, window.bridge, self)
        self.panel = TrainingPanel()
        self.runs = RunsPanel(lambda run_id: train_api.load_history(doc.project, run_id))
        self.training_dock = window.add_dock("Training", self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.runs_dock = window.add_dock("Runs", self.runs, Qt.DockWidgetArea.BottomDockWidgetArea)
        # bottom: [Problems | Training] tabs, the runs list beside them (check runs, see overlays)
        window.splitDockWidget(window.problems_dock, self.runs_dock, Qt.Orientation.Horizontal)
        window.tabifyDockWidget(window.problems_dock, self.training_dock)
        window.problems_dock.raise_()
        self._raised = False
        self._devices_asked = False

        c = self.controller
        c.run_started.connect(self._run_started)
        c.event.connect(self.panel.add_event)
        c.status.connect(self._show_status)
        c.run_finished.connect(self._run_finished)
        c.runs_changed.connect(self.refresh_runs)
        c.message.connect(window.show_message)
        c.state_changed.connect(self._state_changed)
        self.runs.overlay_changed.connect(self._overlay)
        self.runs.restore_requested.connect(c.restore)
        self.runs.refresh_requested.connect(self.refresh_runs)
        doc.project_replaced.connect(lambda _project: self.refresh_runs())
        doc.path_changed.connect(lambda _path: self.refresh_runs())
        self.refresh_runs()

    @property
    def docks(self) -> list[QDockWidget]:
        """The docks this adds (for View ▸ Panels)."""
        return [self.training_dock, self.runs_dock]

    def set_dark(self, dark: bool) -> None:
        """Follow the window's appearance."""
        self.panel.set_dark(dark)
        self.runs.set_dark(dark)

    def refresh_runs(self) -> None:
        """Re-read the project's saved runs (a run ended, a project opened or saved)."""
        self.runs.refresh(train_api.runs(self.window.doc.project))

    def request_devices(self) -> None:
        """List this machine's training devices (once, on the engine thread) for the settings page."""
        if self._devices_asked:
            return
        self._devices_asked = True
        self.window.bridge.run("Listing training devices", available_devices,
                               on_done=self.window.inspector.set_devices)

    def confirm_stop(self, action: str) -> bool:
        """Before ``action`` (close, open, new) while training: ask to stop; ``False`` keeps going."""
        if not self.controller.running:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                          f"A training run is under way. Stop it and {action}?",
                          QMessageBox.StandardButton.NoButton, self.window)
        box.setObjectName("StopTraining")
        box.setInformativeText("The weights reached so far are kept.")
        stop = box.addButton("Stop Training", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.exec()
        if box.clickedButton() is not stop:
            return False
        self.controller.stop()
        return True

    # ------------------------------------------------------------------ controller → views

    def _run_started(self, run: RunStart) -> None:
        self.request_devices()
        self.panel.begin_run(run.title, continue_curves=run.resumed)
        self.training_dock.show()
        self.training_dock.raise_()
        if not self._raised:
            self._raised = True
            self.window.resizeDocks([self.training_dock], [TRAINING_HEIGHT], Qt.Orientation.Vertical)
            self.window.resizeDocks([self.training_dock, self.runs_dock], [2, 1], Qt.Orientation.Horizontal)
        bar = self.window.progress
        bar.setRange(0, PROGRESS_STEPS)
        bar.setValue(0)

    def _show_status(self, fraction: float, text: str) -> None:
        self.window.progress.setRange(0, PROGRESS_STEPS)
        self.window.progress.setValue(int(fraction * PROGRESS_STEPS))
        self.window.job_label.setText(text)

    def _run_finished(self, outcome: RunOutcome) -> None:
        self.window.progress.setRange(0, 0)
        self.panel.flush()
        if outcome.error:
            self.window.show_error("Training stopped", outcome.error)

    def _state_changed(self, state: str) -> None:
        actions = self.window.menu_actions
        actions.train.setEnabled(state == "idle")
        actions.stop.setEnabled(state == "running")
        actions.resume.setEnabled(self.controller.can_resume)
        self.runs.set_busy(state != "idle")

    def _overlay(self, run_ids: list[Any]) -> None:
        self.panel.set_overlays({str(i): self.runs.history(str(i)) for i in run_ids})
