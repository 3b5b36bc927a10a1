"""``modelgraft train PROJECT``: headless training with the project's data bindings and settings.

Writes ``DIR/history.csv`` (one row per epoch), the trained model (``DIR/model.keras``, or
the SavedModel directory ``DIR/model`` when the graph has SavedModel parts) and the run
record (``DIR/run.json``, also kept in the project's ``runs/`` folder). A console progress
bar goes to stderr. Exit 0 on success, 2 on user errors (one line, no traceback).

A run that fails (a NaN loss, out of memory, a data file that cannot be read any more)
also exits 2 with one line; it still writes ``DIR/history.csv`` and ``DIR/run.json`` (status
``failed``, the sentence and the kind of fault) and, when at least one epoch finished, the
model with the last good weights. The project file is never written.

Strategies: ``auto`` trains on one device (a ``MirroredStrategy`` when several GPUs are
visible); ``mirrored`` always uses ``tf.distribute.MirroredStrategy`` over the visible GPUs
(one CPU device without GPUs); ``multiworker`` uses ``MultiWorkerMirroredStrategy``
configured by ``TF_CONFIG`` (see docs/training.md). The strategy is created before the
project loads, as multi-worker collectives must be set up before any other TensorFlow work.
In a multi-worker run every worker trains and writes its ``--out``; only the chief (worker
0, or the ``chief`` task) writes the run record beside the project.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .core.errors import ModelGraftError

__all__ = ["add_train_parser", "cmd_train", "main"]

STRATEGIES = ("auto", "mirrored", "multiworker")
JIT = {"auto": "auto", "on": True, "off": False}


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``train`` sub-command to ``modelgraft``'s sub-parsers; returns its parser."""
    p = subparsers.add_parser("train", help="train a project headless with its data bindings and settings")
    _arguments(p)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("project", help=".mgraft project file")
    p.add_argument("--epochs", type=int, help="epochs to train (default: the project's setting)")
    p.add_argument("--batch-size", type=int, help="rows per batch (default: the project's setting)")
    p.add_argument("--seed", type=int, help="random seed (default: the project's setting)")
    p.add_argument("--out", help="folder for history.csv, the model and run.json "
                                 "(default: 'trained' beside the project)")
    p.add_argument("--strategy", choices=STRATEGIES, default="auto",
                   help="auto: one device (mirrored over several GPUs); mirrored: "
                        "tf.distribute.MirroredStrategy; multiworker: MultiWorkerMirroredStrategy from TF_CONFIG")
    p.add_argument("--jit-compile", choices=tuple(JIT),
                   help="compile the train step with XLA: auto (long runs whose layers all support it), "
                        "on or off (default: the project's setting)")
    p.add_argument("--no-progress", action="store_true", help="do not draw the progress bar")
    p.set_defaults(func=cmd_train)


class ProgressBar:
    """A one-line console progress bar on stderr, redrawn from training progress events."""

    def __init__(self, stream: Any = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.start = time.monotonic()
        self._open = False  # a batch line is drawn and not ended yet

    def close(self) -> None:
        """End the line of a batch drawn last (so a message printed next starts on its own)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False

    def __call__(self, event: dict[str, Any]) -> None:
        logs = "  ".join(f"{k} {v:.4g}" for k, v in event.get("logs", {}).items())
        if event["kind"] == "batch":
            steps = event.get("steps")
            done = event["batch"] / steps if steps else 0.0
            bar = "#" * int(done * self.width)
            total = f"/{steps}" if steps else ""
            self.stream.write(f"\repoch {event['epoch']} [{bar:<{self.width}}] {event['batch']}{total}  {logs}"
                              "\x1b[K")
            self._open = True
        elif event["kind"] == "epoch":
            elapsed = time.monotonic() - self.start
            self.stream.write(f"\repoch {event['epoch']}/{event['epochs']}  {logs}  ({elapsed:.1f} s)\x1b[K\n")
            self._open = False
        self.stream.flush()


def _export(project: Any, out: Path) -> Path:
    from .engine.export import export

    fmt = "keras"
    for node in project.graph:
        if node.kind == "model" and project.session.loaded(node).format == "savedmodel":
            fmt = "savedmodel"
    target = out / ("model.keras" if fmt == "keras" else "model")
    export(project.session, project.graph, project.name, str(target), fmt)
    return target


def _train(args: argparse.Namespace) -> int:
    from . import train_api
    from .engine.training.loop import make_strategy
    from .engine.training.runs import write_history_csv
    from .project import Project

    if args.epochs is not None and args.epochs < 1:
        raise ModelGraftError(f"--epochs must be at least 1 (got {args.epochs})")
    if not os.path.isfile(args.project):
        raise ModelGraftError(f"'{args.project}' is not a project file")
    strategy, chief = make_strategy(args.strategy)
    project = Project.load(args.project)
    errors = [p for p in project.check() if p.severity == "error"]
    if errors:
        raise ModelGraftError(f"{args.project}: {errors[0].message}")
    out = Path(args.out) if args.out else Path(args.project).resolve().parent / "trained"
    out.mkdir(parents=True, exist_ok=True)
    before = {r.id for r in train_api.runs(project)}
    progress = None if args.no_progress else ProgressBar()

    def keep_record() -> bool:
        """Copy the new run record into ``out``; whether the run got started."""
        new = [r for r in train_api.runs(project) if r.id not in before]
        if chief and new:
            shutil.copyfile(new[-1].folder / "run.json", out / "run.json")
        return bool(new)

    try:
        history = train_api.train(project, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                                  jit_compile=None if args.jit_compile is None else JIT[args.jit_compile],
                                  progress=progress, strategy=strategy, record=chief)
    except ModelGraftError as err:
        if progress is not None:
            progress.close()
        if not keep_record():
            raise
        failed = getattr(err, "history", {})
        write_history_csv(out / "history.csv", failed)
        if not any(math.isfinite(v) for v in failed.get("loss", [])):
            raise
        raise ModelGraftError(f"{err}; the model with those weights is in {_export(project, out)}") from None
    write_history_csv(out / "history.csv", history)
    model_path = _export(project, out)
    keep_record()
    final = "  ".join(f"{k} {v[-1]:.4g}" for k, v in history.items() if v)
    print(f"trained {max(map(len, history.values()), default=0)} epochs ({final}); wrote "
          f"{out / 'history.csv'} and {model_path}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``modelgraft train``; user errors print one line and return 2."""
    try:
        return _train(args)
    except ModelGraftError as err:
        print(f"modelgraft: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"modelgraft: error: {err}", file=sys.stderr)
        return 2


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point (``python -m modelgraft.cli_train PROJECT …``)."""
    parser = argparse.ArgumentParser(prog="modelgraft train", description="Train a project headless.")
    _arguments(parser)
    args = parser.parse_args(argv)
    from .engine.runtime import quiet_tensorflow

    quiet_tensorflow()
    return int(cmd_train(args))


if __name__ == "__main__":
    raise SystemExit(main())
