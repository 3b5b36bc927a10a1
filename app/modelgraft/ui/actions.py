"""The main window's actions and menus: File, Edit, View, Run, Help.

Standard actions use :class:`QKeySequence.StandardKey` so each platform gets its usual
shortcuts; the rest use the conventional keys of node editors (Ctrl+D duplicate, Ctrl+0/F fit).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from ..examples import examples_dir, list_examples

if TYPE_CHECKING:
    from .main_window import MainWindow

__all__ = ["EXAMPLES_DIR", "MAX_RECENT", "WindowActions", "example_projects", "example_title"]

EXAMPLES_DIR = examples_dir()
MAX_RECENT = 10
SK = QKeySequence.StandardKey


def example_title(folder: str) -> str:
    """``s10_two_datasets`` → ``S10 · Two datasets``."""
    code, _, rest = folder.partition("_")
    words = rest.replace("_", " ").strip()
    words = words.replace("lstm", "LSTM").replace("cnn", "CNN").replace("h5", ".h5")
    return f"{code.upper()} · {words[:1].upper()}{words[1:]}" if words else code.upper()


def example_projects(root: Path = EXAMPLES_DIR) -> list[Path]:
    """The bundled example projects, in scenario order (S1, S2, …, S12)."""
    return list_examples(root)


class WindowActions:
    """Creates every action of the main window and fills its menu bar."""

    def __init__(self, window: MainWindow, settings: QSettings) -> None:
        self.window = window
        self.settings = settings
        w, view, doc = window, window.view, window.doc

        # File
        self.new = self._act("&New", w.new_project, SK.New)
        self.open = self._act("&Open…", w.open_project, SK.Open)
        self.save = self._act("&Save", w.save, SK.Save)
        self.save_as = self._act("Save &As…", w.save_as, SK.SaveAs, fallback="Ctrl+Shift+S")
        self.import_model = self._act("&Import Model…", w.import_model, "Ctrl+I",
                                      tip="Add a .keras or .h5 model file as a node")
        self.import_savedmodel = self._act("Import &SavedModel Folder…", w.import_savedmodel,
                                           "Ctrl+Shift+I", tip="Add a SavedModel directory as a node")
        self.export_keras = self._act("Keras &.keras…", lambda: w.export("keras"), "Ctrl+E")
        self.export_savedmodel = self._act("&SavedModel…", lambda: w.export("savedmodel"))
        self.export_python = self._act("&Python Script…", lambda: w.export("python"))
        self.quit = self._act("&Quit", w.close, SK.Quit, fallback="Ctrl+Q")

        # Edit
        self.undo = doc.undo_stack.createUndoAction(w, "&Undo")
        self.undo.setShortcuts(QKeySequence.keyBindings(SK.Undo))
        self.redo = doc.undo_stack.createRedoAction(w, "&Redo")
        self.redo.setShortcuts(QKeySequence.keyBindings(SK.Redo))
        self.cut = self._act("Cu&t", view.cut, SK.Cut)
        self.copy = self._act("&Copy", view.copy, SK.Copy)
        self.paste = self._act("&Paste", view.paste, SK.Paste)
        self.duplicate = self._act("D&uplicate", view.duplicate, "Ctrl+D")
        self.delete = self._act("&Delete", view.delete_selected, SK.Delete)
        self.select_all = self._act("Select &All", view.select_all, SK.SelectAll)

        # View
        self.zoom_in = self._act("Zoom &In", view.zoom_in, SK.ZoomIn, fallback="Ctrl++")
        self.zoom_out = self._act("Zoom &Out", view.zoom_out, SK.ZoomOut, fallback="Ctrl+-")
        self.fit = self._act("&Fit to Window", view.fit, "Ctrl+0")
        self.fit.setShortcuts([QKeySequence("Ctrl+0"), QKeySequence("F")])
        self.appearance = QActionGroup(w)
        self.appearance_actions = {
            mode: self._act(label, lambda _=False, m=mode: w.set_appearance(m), checkable=True)
            for mode, label in (("system", "Follow &System"), ("light", "&Light"), ("dark", "&Dark"))}
        for action in self.appearance_actions.values():
            self.appearance.addAction(action)
        self.appearance_actions[w.appearance].setChecked(True)

        # Run
        self.check = self._act("&Check", w.check, "F7", tip="List every problem of the project")
        controller = w.training.controller
        self.train = self._act("&Train", controller.train, "F5",
                               tip="Train the composite on its bound data (a new run)")
        self.resume = self._act("&Resume", controller.resume, "Ctrl+F5",
                                tip="Train the epochs a stopped run left, from the weights reached")
        self.stop = self._act("&Stop", controller.stop, "Shift+F5",
                              tip="Stop training after the running batch, keeping the weights reached")
        self.training_settings = self._act("Training &Settings…", w.show_training_settings,
                                           tip="Data split, optimizer, epochs and other training settings")
        self.resume.setEnabled(False)
        self.stop.setEnabled(False)

        # Help
        self.shortcuts = self._act("&Keyboard Shortcuts", w.show_shortcuts, SK.HelpContents,
                                   fallback="F1")
        self.about = self._act("&About ModelGraft", w.show_about)

        self.recent_menu = QMenu("Open &Recent", w)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.examples_menu = QMenu("Open E&xample", w)
        for path in example_projects():
            self.examples_menu.addAction(example_title(path.parent.name),
                                         lambda p=path: w.open_example(p))
        self.examples_menu.setEnabled(not self.examples_menu.isEmpty())
        self._menus()

    def _act(self, text: str, slot: Callable[[], object] | None, keys: SK | str | None = None,
             fallback: str | None = None, tip: str | None = None, checkable: bool = False) -> QAction:
        action = QAction(text, self.window)
        if isinstance(keys, SK):
            bindings = QKeySequence.keyBindings(keys)
            action.setShortcuts(bindings or ([QKeySequence(fallback)] if fallback else []))
        elif keys:
            action.setShortcut(QKeySequence(keys))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        file = bar.addMenu("&File")
        file.addActions([self.new, self.open])
        file.addMenu(self.recent_menu)
        file.addMenu(self.examples_menu)
        file.addSeparator()
        file.addActions([self.save, self.save_as])
        file.addSeparator()
        file.addActions([self.import_model, self.import_savedmodel])
        export = file.addMenu("&Export")
        export.addActions([self.export_keras, self.export_savedmodel, self.export_python])
        self.export_menu = export
        file.addSeparator()
        file.addAction(self.quit)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.undo, self.redo])
        edit.addSeparator()
        edit.addActions([self.cut, self.copy, self.paste, self.duplicate, self.delete])
        edit.addSeparator()
        edit.addAction(self.select_all)

        view = bar.addMenu("&View")
        view.addActions([self.zoom_in, self.zoom_out, self.fit])
        view.addSeparator()
        self.panels_menu = view.addMenu("&Panels")
        for dock in w.docks:
            self.panels_menu.addAction(dock.toggleViewAction())
        appearance = view.addMenu("&Appearance")
        appearance.addActions(self.appearance.actions())

        run = bar.addMenu("&Run")
        run.addActions([self.check])
        run.addSeparator()
        run.addActions([self.train, self.resume, self.stop])
        run.addSeparator()
        run.addAction(self.training_settings)
        run.setToolTipsVisible(True)

        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts, self.about])

    # ------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        """Recently opened or saved project files, newest first."""
        value = self.settings.value("recentFiles", [])
        files = [value] if isinstance(value, str) else list(value or [])
        return [str(f) for f in files if f]

    def add_recent(self, path: str | Path) -> None:
        """Put a project file at the top of Open Recent."""
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        self.settings.setValue("recentFiles", files[:MAX_RECENT])

    def clear_recent(self) -> None:
        """Empty Open Recent."""
        self.settings.setValue("recentFiles", [])

    def _fill_recent(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        for i, path in enumerate(files, 1):
            label = f"&{i % 10} {Path(path).name}" if i <= 10 else Path(path).name
            action = menu.addAction(label, lambda p=path: self.window.open_project(p))
            action.setToolTip(path)
            action.setStatusTip(path)
            action.setEnabled(Path(path).exists())
        if files:
            menu.addSeparator()
        clear = menu.addAction("&Clear Menu", self.clear_recent)
        clear.setEnabled(bool(files))
