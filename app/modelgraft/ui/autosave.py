"""Autosave and crash recovery: the open project copied to a recovery file while it is dirty.

Each running instance owns one recovery slot in ``<AppDataLocation>/recovery/``: a project
file ``<id>.mgraft``, a small ``<id>.json`` (the original file and the time), and a
``<id>.lock`` :class:`~PySide6.QtCore.QLockFile` held for as long as the instance runs. A
clean exit or a save removes the slot's files. A recovery file whose lock can be taken was
left by a process that died (a crash); one whose lock is held belongs to another running
instance and is left alone. The small file is written before the recovery file, so a
process killed between the two still has its original file named; a dead instance that
left nothing to recover (a lock, perhaps the small file) is cleaned up by the next start.

Signals (GUI thread):

- ``saved(str)``: the recovery file was written (its path).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from ..core.errors import ModelGraftError
from ..io import atomic_write_text, graph_to_data, write_project
from ..project import Project
from .document import Document

__all__ = ["Autosave", "Recovery", "recovery_dir"]

DEFAULT_INTERVAL_S = 60.0


def recovery_dir() -> Path:
    """``<AppDataLocation>/recovery``; ``MODELGRAFT_RECOVERY_DIR`` overrides it."""
    override = os.environ.get("MODELGRAFT_RECOVERY_DIR")
    if override:
        return Path(override)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".modelgraft") / "recovery"


@dataclass
class Recovery:
    """A recovery file left by an instance that crashed; its lock is held by us while offered.

    Attributes:
        path: The recovery project file.
        original: The project file it was a copy of (``None`` for a project never saved).
        saved_at: When it was written (seconds since the epoch).
        lock: The slot's lock, taken over from the dead process.
    """

    path: Path
    original: Path | None
    saved_at: float
    lock: QLockFile

    def load(self) -> Project:
        """The recovered project (its file is the original one, if it had one).

        Model and data paths, stored relative to the recovery file, come back absolute.

        Raises:
            ProjectFileError: the recovery file cannot be read.
        """
        project = Project.load(self.path, load_models=False)
        project.path = self.original
        return project

    def discard(self) -> None:
        """Remove the recovery files and release the lock."""
        for path in (self.path, self.path.with_suffix(".json")):
            path.unlink(missing_ok=True)
        self.lock.unlock()


class Autosave(QObject):
    """Copies a dirty document to this instance's recovery file every ``interval_s`` seconds."""

    saved = Signal(str)

    def __init__(self, doc: Document, interval_s: float = DEFAULT_INTERVAL_S,
                 directory: str | os.PathLike[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.directory = Path(directory) if directory is not None else recovery_dir()
        self.slot = uuid.uuid4().hex[:12]
        self._lock: QLockFile | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self.save_now)
        doc.dirty_changed.connect(self._on_dirty_changed)
        doc.project_replaced.connect(lambda _project: self.discard())

    @property
    def path(self) -> Path:
        """This instance's recovery file."""
        return self.directory / f"{self.slot}.mgraft"

    @property
    def interval_s(self) -> float:
        """Seconds between two recovery saves while the document is dirty."""
        return self._timer.interval() / 1000

    def start(self) -> None:
        """Take this instance's lock and start saving whenever the document is dirty."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(self.directory / f"{self.slot}.lock"))
        self._lock.setStaleLockTime(0)
        self._lock.tryLock(0)
        if self.doc.dirty:
            self._timer.start()

    def stop(self) -> None:
        """Clean exit: remove the recovery file and release the lock."""
        self._timer.stop()
        self.discard()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def save_now(self) -> Path | None:
        """Write the recovery file now if the document is dirty; returns its path."""
        if not self.doc.dirty:
            return None
        project = self.doc.project
        self.directory.mkdir(parents=True, exist_ok=True)
        data = graph_to_data(project.graph, self.directory, project.name, project.data, project.training)
        meta = {"original": str(project.path) if project.path else None, "saved_at": time.time(),
                "pid": os.getpid()}
        try:
            atomic_write_text(self.path.with_suffix(".json"), json.dumps(meta))
            write_project(self.path, data)
        except (ModelGraftError, OSError) as err:
            self.doc.message.emit(f"autosave failed: {err}")
            return None
        self.saved.emit(str(self.path))
        return self.path

    def discard(self) -> None:
        """Remove the recovery file (after a save, New/Open, or a clean exit)."""
        for path in (self.path, self.path.with_suffix(".json")):
            path.unlink(missing_ok=True)

    def crashed(self) -> list[Recovery]:
        """Recovery files left by instances that died, newest first; live instances' are skipped.

        Slots of dead instances without a recovery file are removed on the way.
        """
        found = []
        slots = {path.stem for pattern in ("*.mgraft", "*.json", "*.lock")
                 for path in self.directory.glob(pattern)}
        for slot in sorted(slots - {self.slot}):
            path = self.directory / f"{slot}.mgraft"
            lock = QLockFile(str(path.with_suffix(".lock")))
            lock.setStaleLockTime(0)
            if not lock.tryLock(0):
                continue  # another running instance holds it
            if not path.exists():  # died with nothing unsaved (or before its first autosave)
                path.with_suffix(".json").unlink(missing_ok=True)
                lock.unlock()
                continue
            try:
                meta = json.loads(path.with_suffix(".json").read_text())
            except (OSError, ValueError):
                meta = {}
            original = meta.get("original")
            found.append(Recovery(path, Path(original) if original else None,
                                  float(meta.get("saved_at") or path.stat().st_mtime), lock))
        found.sort(key=lambda r: r.saved_at, reverse=True)
        return found

    def _on_dirty_changed(self, dirty: bool) -> None:
        if dirty:
            if self._lock is not None and not self._timer.isActive():
                self._timer.start()
        else:
            self._timer.stop()
            self.discard()
