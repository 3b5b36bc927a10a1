"""Run records: every training run saved next to the project file, to compare and restore.

A run lives in ``<project folder>/runs/<YYYYmmdd-HHMMSS>-<n>/`` and holds:

* ``run.json``: id, start and end time, status (``running``, ``finished``, ``stopped``,
  ``failed``), the settings snapshot, the graph snapshot, the change description, whether
  the train step ended up compiled with XLA (``xla``) and, for a failed run, the sentence that
  says what happened (``message``) and the kind of fault (``fault``: ``nan``,
  ``out_of_memory``, ``data``, ``xla`` or ``error``);
* ``changes.txt``: what changed in the graph and settings since the previous run, in words;
* ``history.csv``: one row per epoch (``epoch, loss, val_loss, <metrics>…``);
* ``best.weights.h5``: the weights of the best epoch (lowest ``val_loss``, else ``loss``).
"""

from __future__ import annotations

import csv
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...core.graph import Graph
from ...io.atomic import atomic_write_text
from .settings import TrainingError, TrainSettings

__all__ = ["RunInfo", "RunRecorder", "describe_changes", "graph_snapshot", "list_runs", "load_history",
           "read_history_csv", "restore_run", "runs_folder", "start_run", "write_history_csv"]

_HIDDEN = ("signature",)


def runs_folder(project: Any) -> Path | None:
    """``runs/`` beside the project file, or ``None`` for a project never saved."""
    return None if project.path is None else Path(project.path).parent / "runs"


def graph_snapshot(graph: Graph) -> dict[str, Any]:
    """The graph's nodes (kind and parameters) and edges, as plain JSON."""
    nodes = {n.name: {"kind": n.kind, "params": {k: v for k, v in n.params.items() if k not in _HIDDEN}}
             for n in graph.topological()}
    edges = sorted(f"{e.src.node.name}.{e.src.name} -> {e.dst.node.name}.{e.dst.name}" for e in graph.edges)
    return json.loads(json.dumps({"nodes": nodes, "edges": edges}, default=list))


def _value(v: Any) -> str:
    return json.dumps(v) if not isinstance(v, str) else v


def describe_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """What changed between two run snapshots (``{"graph", "settings"}``), one sentence each."""
    if before is None:
        return ["first run of this project"]
    out: list[str] = []
    old_nodes, new_nodes = before["graph"]["nodes"], after["graph"]["nodes"]
    out += [f"added {new_nodes[n]['kind']} node '{n}'" for n in new_nodes if n not in old_nodes]
    out += [f"removed {old_nodes[n]['kind']} node '{n}'" for n in old_nodes if n not in new_nodes]
    for name in (n for n in new_nodes if n in old_nodes):
        old, new = old_nodes[name]["params"], new_nodes[name]["params"]
        for key in sorted(set(old) | set(new)):
            if old.get(key) == new.get(key):
                continue
            if key == "trainable":
                out.append(f"{'unfroze' if new.get(key) else 'froze'} '{name}'")
            elif key == "sha256":
                out.append(f"the model file of '{name}' changed")
            else:
                out.append(f"'{name}': {key} {_value(old.get(key))} → {_value(new.get(key))}")
    old_edges, new_edges = set(before["graph"]["edges"]), set(after["graph"]["edges"])
    out += [f"connected {e}" for e in sorted(new_edges - old_edges)]
    out += [f"disconnected {e}" for e in sorted(old_edges - new_edges)]
    for key, value in after["settings"].items():
        if before["settings"].get(key) != value:
            out.append(f"setting {key} {_value(before['settings'].get(key))} → {_value(value)}")
    return out or ["nothing changed since the previous run"]


@dataclass(frozen=True)
class RunInfo:
    """One saved run.

    Attributes:
        id: The folder name (``20250101-120000-3``).
        folder: The run folder.
        status: ``running``, ``finished``, ``stopped`` or ``failed``.
        started: Start time (seconds since the epoch).
        changes: What changed since the previous run, one sentence each.
        epochs: Epochs recorded.
        has_weights: Whether ``best.weights.h5`` exists.
        message: The error message of a failed run, else ``None``.
    """

    id: str
    folder: Path
    status: str
    started: float
    changes: tuple[str, ...]
    epochs: int
    has_weights: bool
    message: str | None


def _read_record(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        return None


def _order(folder: Path) -> tuple[str, int]:
    stamp, _, n = folder.name.rpartition("-")
    return stamp, int(n) if n.isdigit() else 0


def _folders(project: Any) -> list[Path]:
    root = runs_folder(project)
    if root is None or not root.is_dir():
        return []
    return sorted((f for f in root.iterdir() if (f / "run.json").is_file()), key=_order)


def list_runs(project: Any) -> list[RunInfo]:
    """The project's saved runs, oldest first."""
    out = []
    for folder in _folders(project):
        record = _read_record(folder)
        if record is None:
            continue
        out.append(RunInfo(folder.name, folder, record.get("status", "unknown"), record.get("started", 0.0),
                           tuple(record.get("changes", [])), int(record.get("epochs", 0)),
                           (folder / "best.weights.h5").is_file(), record.get("message")))
    return out


def _folder(project: Any, run_id: str) -> Path:
    root = runs_folder(project)
    folder = root / run_id if root is not None else None
    if folder is None or not (folder / "run.json").is_file():
        known = ", ".join(f.name for f in _folders(project)) or "none"
        raise TrainingError(f"there is no run '{run_id}' of this project (runs: {known})")
    return folder


def write_history_csv(path: str | os.PathLike[str], history: dict[str, list[float]]) -> None:
    """Write ``history`` as CSV: ``epoch, loss, val_loss, <other metrics>``, one row per epoch."""
    keys = [k for k in ("loss", "val_loss") if k in history]
    keys += sorted(k for k in history if k not in keys)
    rows = max((len(v) for v in history.values()), default=0)
    lines = [",".join(["epoch"] + keys)]
    for i in range(rows):
        cells = [str(i + 1)] + [repr(history[k][i]) if i < len(history[k]) else "" for k in keys]
        lines.append(",".join(cells))
    atomic_write_text(str(path), "\n".join(lines) + "\n")


def read_history_csv(path: str | os.PathLike[str]) -> dict[str, list[float]]:
    """Read a ``history.csv`` back into ``{metric: [value per epoch]}``."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [k for k in (rows[0] if rows else {}) if k != "epoch"]
    return {k: [float(r[k]) for r in rows if r[k] != ""] for k in keys}


def load_history(project: Any, run_id: str) -> dict[str, list[float]]:
    """The per-epoch history of a saved run (empty if it recorded no epoch)."""
    path = _folder(project, run_id) / "history.csv"
    return read_history_csv(path) if path.is_file() else {}


def restore_run(project: Any, run_id: str) -> None:
    """Put a run's best weights into the project's session (what build/export/train use next).

    Runs in the calling thread (like :func:`~modelgraft.engine.training.loop.train`).

    Raises:
        TrainingError: no such run, no saved weights, or weights that do not fit the graph now.
    """
    path = _folder(project, run_id) / "best.weights.h5"
    if not path.is_file():
        raise TrainingError(f"run '{run_id}' saved no weights (it stopped before its first epoch ended)")
    model = project.session.build(project.graph, project.name)
    try:
        model.load_weights(str(path))
    except (ValueError, KeyError) as err:
        raise TrainingError(f"the weights of run '{run_id}' do not fit the graph as it is now "
                            f"({str(err).splitlines()[0][:200]})") from err


class RunRecorder:
    """Writes one run's folder while it trains (created by :func:`start_run`).

    Attributes:
        folder: The run folder.
        record: The ``run.json`` content.
    """

    def __init__(self, folder: Path, record: dict[str, Any], monitor: str) -> None:
        self.folder = folder
        self.record = record
        self.monitor = monitor
        self._best: Any = None
        self._write()

    def _write(self) -> None:
        atomic_write_text(str(self.folder / "run.json"), json.dumps(self.record, indent=2) + "\n")

    def checkpoint(self) -> Any:
        """The callback keeping the best epoch's weights in ``best.weights.h5``
        (:class:`~modelgraft.engine.training.callbacks.BestWeights`)."""
        from .callbacks import BestWeights

        self._best = BestWeights(self.folder / "best.weights.h5", self.monitor)
        return self._best

    def finish(self, history: dict[str, list[float]], stopped: bool = False,
               error: str | None = None, fault: str | None = None, xla: bool | None = None) -> None:
        """Write ``history.csv`` and the final status.

        Args:
            history: The epochs this run finished.
            stopped: The user stopped the run.
            error: The sentence of a failed run.
            fault: The kind of failure (``nan``, ``out_of_memory``, ``data``, ``xla``, ``error``).
            xla: Whether the train step ended up compiled with XLA.
        """
        if self._best is not None:
            self._best.flush()  # a run that failed did not end its callbacks
        write_history_csv(self.folder / "history.csv", history)
        self.record.update(status="failed" if error else "stopped" if stopped else "finished",
                           ended=time.time(), epochs=max((len(v) for v in history.values()), default=0),
                           message=error, fault=fault, xla=xla)
        self._write()


def start_run(project: Any, settings: TrainSettings, has_validation: bool,
              initial_epoch: int = 0) -> RunRecorder | None:
    """Create the next run folder with the settings, graph snapshot and change description.

    A run that resumes (``initial_epoch > 0``) says so first in its change description.

    Returns:
        The recorder, or ``None`` when the project has no file yet (nowhere to put runs).
    """
    root = runs_folder(project)
    if root is None:
        return None
    root.mkdir(parents=True, exist_ok=True)
    previous = _folders(project)
    before = _read_record(previous[-1]) if previous else None
    number = (max((_order(f)[1] for f in previous), default=0)) + 1
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = root / f"{stamp}-{number}"
    folder.mkdir()
    snapshot = {"graph": graph_snapshot(project.graph), "settings": settings.to_dict()}
    changes = describe_changes(before, snapshot)
    if initial_epoch:
        changes = [f"resumed at epoch {initial_epoch + 1} of {settings.epochs}"] + [
            c for c in changes if c != "nothing changed since the previous run"]
    atomic_write_text(str(folder / "changes.txt"), "\n".join(changes) + "\n")
    record = {"id": folder.name, "project": project.name, "status": "running", "started": time.time(),
              "changes": changes, "epochs": 0, "initial_epoch": initial_epoch, **snapshot}
    return RunRecorder(folder, record, "val_loss" if has_validation else "loss")
