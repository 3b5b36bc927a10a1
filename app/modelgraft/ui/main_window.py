"""The workbench's main window: canvas, panels, menus, status bar, files, export, autosave.

The window observes the :class:`~modelgraft.ui.document.Document` and the
:class:`~modelgraft.ui.bridge.EngineBridge`; every edit goes through the document's undo
stack (the canvas and panels push the commands). Long work (model loading, export) runs
on the engine thread through the bridge; the window only shows its progress and results.

Signals (GUI thread):

- ``export_finished(object)``: an export job ended, with its ``ExportResult`` or the
  exception that stopped it.
"""

from __future__ import annotations

from pathlib import Path
from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStatusBar,
    QToolButton,
    QWidget,
)

from ..core.errors import ModelGraftError
from ..engine.export import ExportResult, export
from ..examples import copy_example
from .actions import WindowActions
from .autosave import DEFAULT_INTERVAL_S, Autosave
from .bridge import EngineBridge
from .canvas.view import GraphView
from .dialogs import ExportResultDialog, ShortcutsDialog, show_about
from .document import Document
from .panels.inspector import InspectorPanel
from .panels.palette import PalettePanel
from .panels.problems import ProblemsPanel
from .theme import colors, system_is_dark
from .training.docks import TrainingDocks
from .trust import TrustGate

__all__ = ["MainWindow"]

PALETTE_WIDTH, INSPECTOR_WIDTH, PROBLEMS_HEIGHT = 210, 300, 130
PROJECT_FILTER = "ModelGraft projects (*.mgraft)"
EXPORTS = {
    "keras": ("Keras .keras file", ".keras", "Keras models (*.keras)"),
    "savedmodel": ("SavedModel", "_savedmodel", "SavedModel directory (*)"),
    "python": ("Python script", ".py", "Python scripts (*.py)"),
}


def application_palette(dark: bool) -> QPalette:
    """The widgets' palette for the light or dark appearance, from the theme's colours."""
    pal = colors(dark)
    role = QPalette.ColorRole
    p = QPalette()
    window, base = (QColor("#262a32"), QColor("#1e2128")) if dark else (QColor("#eceef2"), QColor("#ffffff"))
    alternate = QColor("#2b2f38") if dark else QColor("#f5f6f8")
    button = QColor("#30353f") if dark else QColor("#f7f8fa")
    accent = QColor("#4d8fdb") if dark else QColor("#2f6fbf")
    for r, c in ((role.Window, window), (role.Base, base), (role.AlternateBase, alternate),
                 (role.Button, button), (role.Text, pal.text), (role.WindowText, pal.text),
                 (role.ButtonText, pal.text), (role.ToolTipBase, base), (role.ToolTipText, pal.text),
                 (role.PlaceholderText, pal.text_dim), (role.Highlight, accent),
                 (role.HighlightedText, QColor("#ffffff")), (role.Link, accent),
                 (role.Mid, pal.node_border), (role.Midlight, alternate),
                 (role.Dark, pal.grid_major), (role.Light, base)):
        p.setColor(r, c)
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, pal.text_dim)
    return p


def style_sheet(dark: bool) -> str:
    """The window's style sheet: dock titles, status bar and problem counts."""
    pal = colors(dark)
    border = pal.node_border.name()
    title_bg = "#2b2f38" if dark else "#e2e5ea"
    return f"""
        QDockWidget::title {{ background: {title_bg}; padding: 5px 8px; border-bottom: 1px solid {border}; }}
        QDockWidget {{ font-weight: 600; }}
        QDockWidget > QWidget {{ font-weight: normal; }}
        QStatusBar {{ border-top: 1px solid {border}; }}
        QStatusBar::item {{ border: none; }}
        QStatusBar QLabel#JobLabel {{ color: {pal.text_dim.name()}; padding: 0 6px; }}
        QToolButton#ProblemCounts {{ padding: 1px 8px; color: {pal.verdict["error"].name()}; }}
        QToolButton#ProblemCounts[errors="0"][warnings="0"] {{ color: {pal.compatible.name()}; }}
        QToolButton#ProblemCounts[errors="0"] {{ color: {pal.verdict["warning"].name()}; }}
    """


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sentence(error: BaseException) -> str:
    """One sentence for the user: our errors say it themselves; others get a short prefix."""
    if isinstance(error, ModelGraftError):
        return str(error)
    if isinstance(error, OSError):
        return f"{error.filename or 'file'}: {error.strerror or error}"
    return f"{type(error).__name__}: {error}"


class MainWindow(QMainWindow):
    """The workbench window for one document.

    Args:
        doc: The open document.
        bridge: The engine bridge the document uses.
        settings: Where recent files, layout and appearance are kept (default: the
            application's ``QSettings``).
        autosave_interval_s: Seconds between recovery saves while there are unsaved changes.
        recovery_dir: Where recovery files live (default ``<AppDataLocation>/recovery``).
    """

    export_finished = Signal(object)

    def __init__(self, doc: Document, bridge: EngineBridge, settings: QSettings | None = None,
                 autosave_interval_s: float = DEFAULT_INTERVAL_S,
                 recovery_dir: str | Path | None = None) -> None:
        super().__init__()
        self.doc = doc
        self.bridge = bridge
        self.settings = settings if settings is not None else QSettings()
        self.appearance = str(self.settings.value("appearance", "system"))
        self.setObjectName("MainWindow")
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.setDocumentMode(True)

        self.view = GraphView(doc, self)
        self.setCentralWidget(self.view)
        self.palette_panel = PalettePanel(doc)
        self.inspector = InspectorPanel(doc)
        self.problems = ProblemsPanel(doc)
        self.palette_dock = self.add_dock("Palette", self.palette_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self.add_dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.problems_dock = self.add_dock("Problems", self.problems, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.training = TrainingDocks(self)
        self.docks = [self.palette_dock, self.inspector_dock, self.problems_dock, *self.training.docks]
        # side panels run the full height; Problems sits under the canvas only
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._sized = False

        self.menu_actions = WindowActions(self, self.settings)
        self._status_bar()
        self.autosave = Autosave(doc, autosave_interval_s, recovery_dir, self)
        doc.trust_gate = TrustGate(self.settings, self)

        doc.dirty_changed.connect(self.setWindowModified)
        doc.dirty_changed.connect(lambda _dirty: self._update_title())
        doc.path_changed.connect(lambda _path: self._update_title())
        doc.project_replaced.connect(lambda _project: self._update_title())
        doc.message.connect(self.show_message)
        bridge.busy_changed.connect(self._on_busy)
        bridge.job_started.connect(lambda _id, _desc: self._update_jobs())
        bridge.job_finished.connect(self._on_job_finished)
        self.palette_panel.add_requested.connect(self._add_from_palette)
        self.palette_panel.import_requested.connect(self.import_model)
        self.problems.node_activated.connect(self.view.center_on_node)
        self.problems.counts_changed.connect(self._show_counts)
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: self._apply_appearance())
        self._apply_appearance()
        self._update_title()
        self.setWindowModified(doc.dirty)

    def add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a closable, movable, floatable dock named ``title``."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title}Dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _status_bar(self) -> None:
        bar = QStatusBar(self)
        bar.setSizeGripEnabled(False)
        self.setStatusBar(bar)
        self.job_label = QLabel(self)
        self.job_label.setObjectName("JobLabel")
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFixedWidth(160)
        self.progress.setTextVisible(False)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Cancel the running engine work")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.counts = QToolButton(self)
        self.counts.setObjectName("ProblemCounts")
        self.counts.setAutoRaise(True)
        self.counts.setToolTip("Show the Problems panel")
        self.counts.clicked.connect(self._focus_problems)
        for widget in (self.job_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
            widget.setVisible(False)
        bar.addPermanentWidget(self.counts)
        self._show_counts(0, 0)

    # ------------------------------------------------------------------ title, status, theme

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.doc.title}[*] — ModelGraft")

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        """Show one sentence in the status bar's message area."""
        self.statusBar().showMessage(text, timeout_ms)

    def _show_counts(self, errors: int, warnings: int) -> None:
        self.counts.setText(f"● {_plural(errors, 'error')}   ▲ {_plural(warnings, 'warning')}")
        self.counts.setProperty("errors", errors)
        self.counts.setProperty("warnings", warnings)
        self.counts.style().unpolish(self.counts)
        self.counts.style().polish(self.counts)

    def _on_busy(self, busy: bool) -> None:
        for widget in (self.job_label, self.progress, self.cancel_button):
            widget.setVisible(busy)
        self._update_jobs()

    def _update_jobs(self) -> None:
        jobs = list(self.bridge.jobs.values())
        if not jobs:
            self.job_label.clear()
            return
        more = f" (+{len(jobs) - 1} more)" if len(jobs) > 1 else ""
        self.job_label.setText(f"{jobs[0].description}…{more}")

    def _on_job_finished(self, _job_id: int, _description: str, _ok: bool) -> None:
        self._update_jobs()

    def cancel_work(self) -> None:
        """The status bar's Cancel: stop training and drop the other engine work queued."""
        self.training.controller.stop()
        self.bridge.cancel()

    def set_appearance(self, mode: str) -> None:
        """Follow the system (``"system"``) or force ``"light"`` or ``"dark"``."""
        self.appearance = mode
        self.settings.setValue("appearance", mode)
        self._apply_appearance()

    def _apply_appearance(self) -> None:
        hints = QGuiApplication.styleHints()
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(self.appearance)
        if scheme is None:
            hints.unsetColorScheme()
        elif hints.colorScheme() != scheme:
            hints.setColorScheme(scheme)
        dark = self.appearance == "dark" or (self.appearance == "system" and system_is_dark())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setPalette(application_palette(dark))
        self.setStyleSheet(style_sheet(dark))
        self.view.graph_scene.set_dark(dark)
        self.training.set_dark(dark)

    # ------------------------------------------------------------------ dialogs

    def show_error(self, title: str, text: str) -> QMessageBox:
        """A non-blocking warning with one sentence (the GUI goes on; the box stays until closed)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _ask_path(self, title: str, name_filter: str, save: bool, directory: str = "",
                  suffix: str = "", folder: bool = False) -> str | None:
        dialog = QFileDialog(self, title, directory or self._start_dir(), name_filter)
        dialog.setObjectName("FileDialog")
        if folder:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        elif save:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix(suffix.lstrip("."))
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        if not dialog.exec() or not dialog.selectedFiles():
            return None
        return dialog.selectedFiles()[0]

    def _start_dir(self) -> str:
        return str(self.doc.path.parent) if self.doc.path else str(self.settings.value("lastDir", str(Path.home())))

    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; ``False`` means stop."""
        if not self.doc.dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to “{self.doc.title}” before closing it?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("UnsavedChanges")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard Shortcuts."""
        ShortcutsDialog(self.menuBar(), self).exec()

    def show_about(self) -> None:
        """Help ▸ About."""
        show_about(self)

    # ------------------------------------------------------------------ files

    def new_project(self) -> None:
        """File ▸ New."""
        if self.training.confirm_stop("start a new project") and self.maybe_save():
            self.doc.new()
            self.show_message("New project")

    def open_project(self, path: str | Path | None = None) -> bool:
        """File ▸ Open… (or Open Recent); on error the open project stays as it was."""
        if not self.training.confirm_stop("open another project") or not self.maybe_save():
            return False
        if path is None:
            path = self._ask_path("Open Project", PROJECT_FILTER, save=False)
            if path is None:
                return False
        return self.load(path)

    def open_example(self, path: str | Path) -> bool:
        """File ▸ Open Example ▸ …: opens the user's own copy of the example (made on first use
        under ``<AppDataLocation>/examples``), so training runs and saves never write into the
        installed package."""
        source = Path(path)
        target = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) \
            / "examples" / source.parent.name
        if not target.exists():
            try:
                copy_example(source, target)
            except OSError as err:
                self.show_error("Cannot open example", f"the example could not be copied to '{target}' "
                                f"({err.strerror or err})")
                return False
        return self.open_project(target / source.name)

    def load(self, path: str | Path) -> bool:
        """Open a project file without asking; errors are shown, the project stays as it was."""
        try:
            self.doc.open(path)
        except (ModelGraftError, OSError) as err:
            self.show_error("Cannot open project", _sentence(err))
            return False
        self.menu_actions.add_recent(path)
        self.settings.setValue("lastDir", str(Path(path).resolve().parent))
        self.show_message(f"Opened {Path(path).name}")
        QTimer.singleShot(0, self.view.fit)
        return True

    def save(self) -> bool:
        """File ▸ Save (Save As for a project that has no file yet)."""
        if self.doc.path is None:
            return self.save_as()
        return self._save_to(None)

    def save_as(self, path: str | Path | None = None) -> bool:
        """File ▸ Save As…"""
        if path is None:
            default = str(Path(self._start_dir()) / f"{self.doc.title}.mgraft")
            path = self._ask_path("Save Project As", PROJECT_FILTER, save=True, directory=default,
                                  suffix=".mgraft")
            if path is None:
                return False
        return self._save_to(path)

    def _save_to(self, path: str | Path | None) -> bool:
        try:
            saved = self.doc.save(path)
        except (ModelGraftError, OSError) as err:
            self.show_error("Cannot save project", _sentence(err))
            return False
        self.autosave.discard()
        self.menu_actions.add_recent(saved)
        self.show_message(f"Saved {saved.name}", 5000)
        return True

    def import_model(self, path: str | Path | None = None) -> str | None:
        """File ▸ Import Model…: add a ``.keras``/``.h5`` file (or SavedModel folder) as a node."""
        if path is None:
            path = self._ask_path("Import Model", "Keras models (*.keras *.h5 *.hdf5);;All files (*)",
                                  save=False)
            if path is None:
                return None
        refused: list[str] = []
        self.doc.message.connect(refused.append)
        try:
            name = self.view.add_model_file(str(path))
        finally:
            self.doc.message.disconnect(refused.append)
        if not name:
            if not self.view.last_declined:
                self.show_error("Cannot import model", refused[0] if refused else f"'{path}' is not a model")
            return None
        self.show_message(f"Added model '{name}' from {Path(path).name}", 5000)
        return name

    def import_savedmodel(self) -> str | None:
        """File ▸ Import SavedModel Folder…"""
        path = self._ask_path("Import SavedModel Folder", "", save=False, folder=True)
        return self.import_model(path) if path else None

    def _add_from_palette(self, kind: str) -> None:
        self.view.add_node_at(kind, {})

    # ------------------------------------------------------------------ run, export

    def check(self) -> tuple[int, int]:
        """Run ▸ Check: bring up the Problems panel and count errors and warnings."""
        self.problems.refresh()
        errors, warnings = self.problems.problem_count()
        self._focus_problems()
        self._show_counts(errors, warnings)
        verdict = "ready to export" if not errors else "fix the errors before exporting"
        self.show_message(f"Check: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} — {verdict}")
        return errors, warnings

    def show_training_settings(self) -> None:
        """Run ▸ Training Settings…: the inspector's project page (shown with nothing selected)."""
        self.view.graph_scene.clearSelection()
        self.doc.set_selection([])
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        self.training.request_devices()

    def _focus_problems(self) -> None:
        self.problems_dock.show()
        self.problems_dock.raise_()
        self.problems.setFocus()

    def export(self, fmt: str, path: str | Path | None = None) -> bool:
        """File ▸ Export ▸ …: export on the engine thread, verified; ``False`` if not started."""
        label, suffix, name_filter = EXPORTS[fmt]
        if path is None:
            default = str(Path(self._start_dir()) / f"{self.doc.project.name}{suffix}")
            path = self._ask_path(f"Export {label}", name_filter, save=True, directory=default,
                                  suffix=suffix if fmt != "savedmodel" else "")
            if path is None:
                return False
        target = str(Path(path).resolve())
        try:
            graph = self.doc.snapshot()
        except ModelGraftError as err:
            self.show_error("Cannot export", _sentence(err))
            return False
        self.show_message(f"Exporting {label} to {Path(target).name}…")
        self.bridge.run(f"Exporting {label} to {Path(target).name}", export, self.doc.project.session,
                        graph, self.doc.project.name, target, fmt, True,
                        on_done=self._exported, on_error=self._export_failed)
        return True

    def _exported(self, result: ExportResult) -> None:
        self.show_message(f"Exported {Path(result.path).name}: {result.message}")
        dialog = ExportResultDialog(result.path, result.format, result.message, result.verified, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.export_finished.emit(result)

    def _export_failed(self, error: BaseException) -> None:
        text = _sentence(error)
        self.show_message(f"Export failed: {text}")
        self.show_error("Export failed", text)
        self.export_finished.emit(error)

    # ------------------------------------------------------------------ recovery, close

    def offer_recovery(self) -> bool:
        """If an instance crashed with unsaved changes, offer to restore them; ``True`` if restored."""
        for recovery in self.autosave.crashed():
            name = recovery.original.name if recovery.original else "an unsaved project"
            box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes",
                              f"ModelGraft did not close properly. Restore the unsaved changes to {name}?",
                              QMessageBox.StandardButton.NoButton, self)
            box.setObjectName("Recovery")
            restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
            box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
            box.setDefaultButton(restore)
            box.exec()
            if box.clickedButton() is not restore:
                recovery.discard()
                continue
            try:
                project = recovery.load()
            except ModelGraftError as err:
                self.show_error("Cannot restore", _sentence(err))
                recovery.discard()
                continue
            self.doc.restore(project)
            recovery.discard()
            self.autosave.save_now()
            self.show_message(f"Restored unsaved changes to {project.path.name if project.path else project.name}")
            return True
        return False

    def restore_layout(self) -> None:
        """Put back the window geometry and panel layout of the last session."""
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self._sized = self.restoreState(state)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        """On first show, give the panels their default sizes (unless a saved layout was restored)."""
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            self.resizeDocks([self.palette_dock, self.inspector_dock], [PALETTE_WIDTH, INSPECTOR_WIDTH],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.problems_dock], [PROBLEMS_HEIGHT], Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        """Ask about a running training and unsaved changes; on a clean exit drop the recovery file."""
        if not self.training.confirm_stop("quit") or not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.bridge.cancel()
        self.autosave.stop()
        self.view.close_document()
        event.accept()
