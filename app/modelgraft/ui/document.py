"""The open project as the workbench sees it: the Project, its undo stack, file and selection.

Views never edit the graph directly: every user edit is a command pushed with
:meth:`Document.push` (see :mod:`modelgraft.ui.commands`). The document also asks the
engine bridge to load model nodes whose output specs are not known yet.

Signals (all emitted on the GUI thread):

- ``project_replaced(Project)``: New/Open/restore put another project in place; views
  drop their items, draw the new graph and subscribe to its events.
- ``dirty_changed(bool)``, ``path_changed(object)``: for the window title.
- ``selection_changed(list)``: names of the selected nodes (the canvas sets it).
- ``loading_changed(str, bool)``: a model node started or finished loading.
- ``message(str)``: one sentence for the status bar (e.g. a load that failed).
- ``section_changed(str)``: the project's ``data`` or ``training`` section was replaced
  (an undoable edit through :class:`~modelgraft.ui.commands.SetSectionCommand`, or
  categories a training run added).
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core.elements import Node
from ..core.errors import ModelGraftError
from ..core.graph import Graph
from ..io import data_to_graph, graph_to_data, sha256_file
from ..nodes import CATALOG
from ..project import Project

if TYPE_CHECKING:
    from .bridge import EngineBridge
    from .trust import TrustGate

__all__ = ["Document"]

_RELOAD_PARAMS = ("path", "endpoint", "trusted", "trainable")


class Document(QObject):
    """The open project, its undo stack, its file and the current selection."""

    project_replaced = Signal(object)
    dirty_changed = Signal(bool)
    path_changed = Signal(object)
    selection_changed = Signal(list)
    loading_changed = Signal(str, bool)
    message = Signal(str)
    section_changed = Signal(str)

    def __init__(self, bridge: EngineBridge | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.project = Project("untitled")
        self.selection: list[str] = []
        self.loading: set[str] = set()
        self.trust_gate: TrustGate | None = None
        """Asks before a model node marked ``trusted`` loads a file not trusted before
        (the main window sets it); without it the mark is taken as it is."""
        self._watch(self.project)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    # ------------------------------------------------------------------ state

    @property
    def graph(self) -> Graph:
        """The open project's graph."""
        return self.project.graph

    @property
    def path(self) -> Path | None:
        """The project file, or ``None`` for a new project."""
        return self.project.path

    @property
    def dirty(self) -> bool:
        """Whether there are unsaved changes."""
        return not self.undo_stack.isClean()

    @property
    def title(self) -> str:
        """The project name shown in the window title."""
        return self.path.stem if self.path else self.project.name

    def snapshot(self) -> Graph:
        """A private copy of the graph for engine jobs (build, export), which run on the
        engine thread while the user goes on editing the original."""
        data = graph_to_data(self.graph, Path.cwd(), self.project.name)
        return data_to_graph(data, Path.cwd(), CATALOG)

    def push(self, command: QUndoCommand) -> None:
        """Do a user edit (undoably)."""
        self.undo_stack.push(command)

    def set_section(self, section: str, new: dict[str, Any], text: str) -> None:
        """Replace the ``data`` or ``training`` section as one undo step named ``text``."""
        from .commands import SetSectionCommand

        if new != getattr(self.project, section):
            self.push(SetSectionCommand(self, section, new, text))

    def replace_section(self, section: str, new: dict[str, Any]) -> None:
        """Put ``new`` in place of a section without an undo step (commands call this)."""
        setattr(self.project, section, copy.deepcopy(new))
        self.section_changed.emit(section)

    def set_selection(self, names: list[str]) -> None:
        """Record the selected node names (the canvas calls this)."""
        names = [n for n in names if n in self.graph]
        if names != self.selection:
            self.selection = names
            self.selection_changed.emit(list(names))

    # ------------------------------------------------------------------ files

    def new(self) -> None:
        """Replace the open project with an empty one."""
        self._replace(Project("untitled"))

    def open(self, path: str | os.PathLike[str]) -> None:
        """Open a project file; on error the open project stays as it was.

        Raises:
            ModelGraftError: the file cannot be read (the message names it).
        """
        project = Project.load(path, load_models=False)
        self._replace(project)

    def restore(self, project: Project) -> None:
        """Put a project restored from a recovery file in place, marked unsaved."""
        self._replace(project)
        self.undo_stack.resetClean()

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save atomically (to ``path``, or the current file) and mark the project clean."""
        old = self.path
        saved = self.project.save(path)
        self.undo_stack.setClean()
        if saved != old:
            self.path_changed.emit(saved)
        return saved

    def _replace(self, project: Project) -> None:
        self._unwatch(self.project)
        self.project = project
        self.selection = []
        self.loading.clear()
        self.undo_stack.clear()
        self._watch(project)
        self.project_replaced.emit(project)
        self.path_changed.emit(project.path)
        self.selection_changed.emit([])
        self.dirty_changed.emit(False)
        self.load_pending_models()

    # ------------------------------------------------------------------ models

    def _watch(self, project: Project) -> None:
        project.graph.node_added.connect(self._on_node_added)
        project.graph.node_removed.connect(self._on_node_removed)
        project.graph.params_changed.connect(self._on_params_changed)

    def _unwatch(self, project: Project) -> None:
        project.graph.node_added.disconnect(self._on_node_added)
        project.graph.node_removed.disconnect(self._on_node_removed)
        project.graph.params_changed.disconnect(self._on_params_changed)

    def _on_params_changed(self, node: Node, old: dict[str, Any]) -> None:
        """Reload a model whose file, endpoint, trust or trainable flag changed (the engine
        cache keeps its weights; the signature and parameter counts follow)."""
        if node.kind == "model" and any(old.get(k) != node.params[k] for k in _RELOAD_PARAMS):
            self.load_model(node.name)

    def _on_node_added(self, node: Node) -> None:
        if node.kind == "model":
            self.load_model(node.name)

    def _on_node_removed(self, node: Node) -> None:
        if node.name in self.selection:
            self.set_selection([n for n in self.selection if n != node.name])

    def load_pending_models(self) -> None:
        """Load every model node of the open project on the engine thread."""
        for node in self.graph:
            if node.kind == "model":
                self.load_model(node.name)

    def load_model(self, name: str) -> None:
        """Load one model node on the engine thread, then fill in its signature.

        Missing files are left to ``check()`` (the Problems panel shows them).
        """
        if self.bridge is None or name in self.loading:
            return
        node = self.graph.node(name)
        if not os.path.exists(node.params["path"]) or not self._trust_holds(node):
            return
        project = self.project
        self.loading.add(name)
        self.loading_changed.emit(name, True)
        path, needs_hash = node.params["path"], node.params["sha256"] is None

        def job() -> tuple[dict[str, Any], str | None]:
            loaded = project.session.loaded(node)
            return loaded.signature, sha256_file(path) if needs_hash else None

        def done(result: tuple[dict[str, Any], str | None]) -> None:
            self._loaded(project, name, result, None)

        def failed(error: BaseException) -> None:
            self._loaded(project, name, None, error)

        self.bridge.run(f"Loading model '{name}'", job, on_done=done, on_error=failed)

    def _trust_holds(self, node: Node) -> bool:
        """Whether a node may load as it is marked: a node marked ``trusted`` whose file
        content the user does not trust (asked now if not remembered) loses the mark, and
        the reload that follows has the engine refuse the file with its findings."""
        if not node.params["trusted"] or self.trust_gate is None:
            return True
        try:
            review = self.trust_gate.review(node.params["path"])
        except ModelGraftError:
            return True  # the engine's load reports what is wrong with the file
        if review.status != "declined":
            return True
        self.graph.set_params(node.name, trusted=False)
        return False

    def _loaded(self, project: Project, name: str, result: tuple[dict[str, Any], str | None] | None,
                error: BaseException | None) -> None:
        if project is not self.project:
            return
        self.loading.discard(name)
        self.loading_changed.emit(name, False)
        if name not in self.graph:
            return
        if error is not None:
            text = str(error) if isinstance(error, ModelGraftError) \
                else f"model '{name}' could not be loaded: {error}"
            project.load_errors[name] = text
            self.message.emit(text)
            return
        project.load_errors.pop(name, None)
        signature, sha = result or ({}, None)
        self.graph.set_params(name, signature=signature, **({"sha256": sha} if sha else {}))
