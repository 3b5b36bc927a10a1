"""What a failed training run tells the user: one sentence for each kind of fault.

:func:`explain` turns the exception ``fit`` raised into a
:class:`~modelgraft.core.errors.ModelGraftError` whose message is one sentence:

* out of memory (``ResourceExhaustedError``, from TensorFlow's allocator or from XLA) → a
  :class:`TrainingError` with the size asked for and the advice of a smaller batch;
* an error of the input pipeline (TensorFlow reports it at the ``IteratorGetNext`` node: a
  CSV row that no longer parses, a file that vanished or shrank) → a
  :class:`~modelgraft.core.errors.DataError` naming the data file — the one the error names,
  else the ones that changed since the run started (see :class:`DataFiles`), else all;
* XLA failing to compile an op → a :class:`TrainingError` naming the op;
* anything else → a :class:`TrainingError` with the error's own first line.

:func:`first_nonfinite` finds the first NaN or infinite value of the training data, so the
sentence of a NaN loss can name the file at fault.
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ...core.errors import DataError, ModelGraftError
from .. import runtime
from .settings import TrainingError

__all__ = ["DataFiles", "explain", "first_nonfinite"]

SCAN_VALUES = 1 << 27
"""At most this many values of one source are searched for NaN (512 MB of float32)."""

SCAN_CSV_ROWS = 1_000_000
"""At most this many rows of one CSV file are searched for empty or non-finite cells."""

_NODE_REF = re.compile(r"\s*\[\[\{\{node [^\n]*", re.DOTALL)
_TF_SHAPE = re.compile(r"shape\[([\d,]+)\] and type (\w+)")
_XLA_SIZE = re.compile(r"trying to allocate ([\d.]+) ?([KMGTP]?i?B)")
_XLA_OP = re.compile(r"XLA_\w+_JIT: (\w+)")
_BYTES = {"float": 4, "half": 2, "bfloat16": 2, "double": 8, "int32": 4, "int64": 8, "bool": 1,
          "int8": 1, "uint8": 1, "int16": 2}


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


_NOISE = ("[[", "Graph execution error", "Detected at node", "File \"", "<stack traces", "tf2xla conversion",
          "Hint:", "Run with TF_DUMP")


def _detail(err: BaseException) -> str:
    """The error's own message without TensorFlow's traceback, hints and node references."""
    text = _NODE_REF.sub("", getattr(err, "message", None) or str(err))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith(_NOISE)]
    return (lines[-1] if lines else type(err).__name__)[:200].rstrip(".")


# --------------------------------------------------------------------------- data files


@dataclass
class DataFiles:
    """The files a run reads, with their size, time and row count when it started.

    Attributes:
        bound: ``{path: [binding description, …]}``, e.g. ``{p: ["input 'x'", "output 'y'"]}``.
        sources: Every opened source (training and validation) of the run.
    """

    bound: dict[Path, list[str]] = field(default_factory=dict)
    sources: list[Any] = field(default_factory=list)
    _stamps: dict[Path, tuple[int, int] | None] = field(default_factory=dict)
    _rows: dict[Path, int] = field(default_factory=dict)

    @classmethod
    def of(cls, feeds: list[Any]) -> DataFiles:
        """The files of a data plan's feeds (``DataPlan.feeds``), stamped now."""
        files = cls()
        for feed in feeds:
            what = f"{'input' if feed.role == 'input' else 'output'} '{feed.name}'"
            for source in (feed.train, feed.validation):
                if source is None:
                    continue
                files.sources.append(source)
                path = Path(source.path)
                files.bound.setdefault(path, [])
                if what not in files.bound[path]:
                    files.bound[path].append(what)
                files._stamps[path] = _stamp(path)
                if hasattr(source, "columns"):  # a CSV: its row count was just scanned
                    files._rows[path] = source.rows
        return files

    def _name(self, path: Path) -> str:
        kind = "folder" if path.is_dir() else "file"
        return f"the data {kind} '{path.name}' (bound to {' and '.join(self.bound[path])})"

    def explain(self, err: BaseException) -> str:
        """What went wrong with the data, naming the file(s), for an input-pipeline error."""
        detail = _detail(err)
        named = [p for p in self.bound if str(p) in str(err)]
        gone = [p for p in self.bound if self._stamps[p] is not None and _stamp(p) is None]
        changed = [p for p in self.bound if _stamp(p) != self._stamps[p]]
        if gone:
            return f"{self._name(gone[0])} disappeared"
        culprits = named or changed
        if culprits:
            path = culprits[0]
            detail = self._rescan(path) or detail
            how = "changed and " if path in changed else ""
            return f"{self._name(path)} {how}could not be read ({detail})"
        for source in self.sources:
            image = _not_an_image(getattr(source, "files", {}))
            if image is not None:
                inside = image.relative_to(source.path).as_posix()
                return (f"the image '{inside}' of {self._name(Path(source.path))} could not be read (it is "
                        "not a PNG, JPEG, GIF or BMP image)")
        files = ", ".join(self._name(p) for p in self.bound)
        return f"the training data could not be read ({detail}; {files})"

    def _rescan(self, path: Path) -> str | None:
        """A better reason for a changed CSV file: a line numbered, or the new row count."""
        source = next((s for s in self.sources if Path(s.path) == path and hasattr(s, "columns")), None)
        if source is None:
            return None
        try:
            rows = source.rows
        except DataError as err:
            return str(err).split(": ", 1)[-1]
        before = self._rows.get(path)
        return f"it now has {rows} rows instead of {before}" if before not in (None, rows) else None


_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")


def _not_an_image(files: dict[str, list[str]]) -> Path | None:
    """The first file of an image folder's classes (``ImageFolder.files``) that does not start
    like a PNG, JPEG, GIF or BMP image."""
    for paths in files.values():
        for name in paths:
            try:
                with open(name, "rb") as f:
                    head = f.read(4)
            except OSError:
                return Path(name)
            if not head.startswith(_IMAGE_MAGIC):
                return Path(name)
    return None


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


# --------------------------------------------------------------------------- non-finite values


def _first_in_array(array: np.ndarray) -> tuple[int, str] | None:
    """The row index and the kind (``NaN``/``infinite``) of the first non-finite value."""
    if array.dtype.kind != "f" or array.ndim == 0:
        return None
    per_row = max(1, math.prod(array.shape[1:]))
    rows = min(len(array), max(1, SCAN_VALUES // per_row))
    step = max(1, (1 << 20) // per_row)
    for start in range(0, rows, step):
        chunk = np.asarray(array[start:min(rows, start + step)])
        bad = ~np.isfinite(chunk.reshape(len(chunk), -1)).all(axis=1)
        if bad.any():
            index = int(np.argmax(bad))
            kind = "NaN" if np.isnan(chunk[index]).any() else "infinite"
            return start + index, kind
    return None


def _first_in_csv(source: Any) -> str | None:
    """Where a CSV source's float columns first hold an empty cell, ``nan`` or ``inf``."""
    floats = [c for c, kind in source.kinds.items() if kind == "float"]
    if not floats:
        return None
    with open(source.path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        columns = [(c, header.index(c)) for c in floats]
        for line, record in enumerate(reader, 2):
            if line > SCAN_CSV_ROWS:
                return None
            for name, i in columns:
                value = record[i].strip() if i < len(record) else ""
                if not value:
                    return f"'{source.path.name}' line {line} has an empty cell in column '{name}' (read as NaN)"
                try:
                    number = float(value)
                except ValueError:
                    continue
                if not math.isfinite(number):
                    return f"'{source.path.name}' line {line} holds {value} in column '{name}'"
    return None


def first_nonfinite(sources: list[Any], arrays: dict[str, Any]) -> str | None:
    """Where the training data first holds a NaN or infinite value, in words, or ``None``.

    Args:
        sources: Bound data sources (``DataFiles.sources``): NPY/NPZ arrays and CSV files are
            searched (the first :data:`SCAN_VALUES` values, :data:`SCAN_CSV_ROWS` rows).
        arrays: In-memory arrays by description (``{"input 'x'": array}``).
    """
    for source in sources:
        if hasattr(source, "columns"):
            found = _first_in_csv(source)
            if found:
                return found
            continue
        array = getattr(source, "array", None)
        hit = _first_in_array(array) if array is not None else None
        if hit:
            return f"{source.label} holds {hit[1]} values (the first in row index {hit[0]})"
    for what, array in arrays.items():
        hit = _first_in_array(np.asarray(array))
        if hit:
            return f"the array for {what} holds {hit[1]} values (the first in row index {hit[0]})"
    return None


# --------------------------------------------------------------------------- exceptions


def _out_of_memory(err: BaseException) -> str:
    text = str(err)
    match = _TF_SHAPE.search(text)
    if match:
        dims = [int(d) for d in match[1].split(",")]
        size = _size(math.prod(dims) * _BYTES.get(match[2], 4))
        return f"allocating {size} for a tensor of shape ({', '.join(map(str, dims))})"
    match = _XLA_SIZE.search(text)
    return f"allocating {match[1]} {match[2]}" if match else "allocating a tensor"


def explain(err: BaseException, batch_size: int, epoch: int, restored: str | None,
            files: DataFiles | None) -> tuple[str, ModelGraftError]:
    """The kind of fault and the one-sentence error for an exception of a training run.

    Args:
        err: What ``fit`` (or the model build) raised.
        batch_size: The run's batch size (named by out-of-memory advice).
        epoch: The epoch it failed in (1-based), or ``0`` while building the model.
        restored: Which weights were put back, in words (``"the weights after epoch 2"``),
            or ``None`` when the model was not trained yet.
        files: The run's bound data files, or ``None`` for in-memory arrays.

    Returns:
        ``("out_of_memory" | "data" | "xla" | "error", error)``.
    """
    tf = runtime.tf()
    during = f"in epoch {epoch}" if epoch else "while building the model"
    after = f"; training stopped and {restored} were restored" if restored else ""
    text = str(err)
    if isinstance(err, tf.errors.ResourceExhaustedError):
        if not epoch:
            return "out_of_memory", TrainingError(f"the device ran out of memory {during}, {_out_of_memory(err)} "
                                                  "(check the units and shapes of the nodes)")
        return "out_of_memory", TrainingError(
            f"the device ran out of memory {during} with batch size {batch_size}, {_out_of_memory(err)} "
            f"(try a smaller batch size, or turn on mixed precision){after}")
    if isinstance(err, tf.errors.OpError) and "IteratorGetNext" in text:
        what = files.explain(err) if files is not None else f"the training data could not be read " \
            f"({_detail(err)})"
        return "data", DataError(f"{what} {during}{after}")
    if "tf2xla conversion failed" in text or _XLA_OP.search(text):
        match = _XLA_OP.search(text)
        why = f"it has no kernel for the operation {match[1]}" if match else _detail(err)
        return "xla", TrainingError(f"XLA cannot compile the model: {why} (set training setting 'jit_compile' "
                                    f"to false){after}")
    return "error", TrainingError(f"training failed {during}: {type(err).__name__}: {_detail(err)}{after}")
