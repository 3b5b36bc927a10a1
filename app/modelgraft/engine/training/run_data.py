"""A training run's data: in-memory arrays or the project's bindings as ``tf.data`` pipelines.

:func:`array_data` turns arrays given to ``train(x=…, y=…)`` into datasets (with a
validation split or given validation data); :func:`bound_data` builds them from the
project's data bindings through :mod:`modelgraft.data_api`, fitting statistics first. Both
return a :class:`RunData`, which also carries what a failure message needs to name the data
at fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ...core.graph import INPUT_KIND, OUTPUT_KIND, Graph
from .. import runtime
from .faults import DataFiles
from .settings import SettingsError, TrainingError

__all__ = ["RunData", "array_data", "bare", "bound_data"]


def _names(graph: Graph, kind: str) -> list[str]:
    return [n.name for n in graph.topological() if n.kind == kind]


def _as_dict(data: Any, names: list[str], what: str) -> dict[str, Any]:
    """In-memory data keyed by node name: a dict, a list in node order, or one array."""
    import numpy as np

    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        extra = [k for k in data if k not in names]
        if missing or extra:
            bad = f"has no array for {what} '{missing[0]}'" if missing else f"has an array '{extra[0]}' " \
                f"that is no {what} of the graph"
            raise TrainingError(f"the training data {bad}; the graph's {what}s are {', '.join(names)}")
        return {n: np.asarray(data[n]) for n in names}
    if isinstance(data, (list, tuple)) and len(names) != 1:
        if len(data) != len(names):
            raise TrainingError(f"the training data gives {len(data)} arrays for {len(names)} {what}s "
                                f"({', '.join(names)})")
        return {n: np.asarray(a) for n, a in zip(names, data)}
    if len(names) != 1:
        raise TrainingError(f"the graph has {len(names)} {what}s ({', '.join(names)}): pass a dict "
                            "keyed by their names")
    return {names[0]: np.asarray(data)}


def bare(d: dict[str, Any]) -> Any:
    """A one-entry dict as its value: a single-input/-output Keras model takes bare tensors."""
    return next(iter(d.values())) if len(d) == 1 else d


def _rows(arrays: dict[str, Any]) -> int:
    counts = {k: len(v) for k, v in arrays.items()}
    if len(set(counts.values())) > 1:
        detail = ", ".join(f"'{k}' {c}" for k, c in counts.items())
        raise TrainingError(f"the training arrays have different row counts ({detail})")
    return next(iter(counts.values()))


@dataclass
class RunData:
    """A run's datasets, and what a failure message needs to name the data at fault."""

    train: Any
    validation: Any
    steps: int | None
    rows: int
    validation_rows: int = 0
    files: DataFiles | None = None
    arrays: dict[str, Any] = field(default_factory=dict)


def array_data(graph: Graph, x: Any, y: Any, validation_split: float, validation_data: Any,
               batch_size: int, seed: int | None, distributed: bool) -> RunData:
    """Datasets from in-memory arrays (``x``/``y``: one array, a list in node order, or a dict)."""
    tf = runtime.tf()
    xs = _as_dict(x, _names(graph, INPUT_KIND), "input")
    ys = _as_dict(y, _names(graph, OUTPUT_KIND), "output")
    rows = _rows({**xs, **ys})
    val = None
    if validation_data is not None:
        vx, vy = validation_data[0], validation_data[1]
        val = (_as_dict(vx, list(xs), "input"), _as_dict(vy, list(ys), "output"))
    elif validation_split:
        cut = rows - math.floor(rows * validation_split)
        if cut in (0, rows):
            raise SettingsError(f"training setting 'validation_split' {validation_split} leaves no rows "
                                f"for {'training' if cut == 0 else 'validation'} out of {rows}",
                                "validation_split")
        val = ({k: v[cut:] for k, v in xs.items()}, {k: v[cut:] for k, v in ys.items()})
        xs, ys = {k: v[:cut] for k, v in xs.items()}, {k: v[:cut] for k, v in ys.items()}
        rows = cut

    def pipeline(xd: dict[str, Any], yd: dict[str, Any], shuffle: bool) -> Any:
        ds = tf.data.Dataset.from_tensor_slices((bare(xd), bare(yd)))
        if shuffle:
            ds = ds.shuffle(min(_rows(xd), 65536), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
        return _shardable(ds) if distributed else ds

    return RunData(pipeline(xs, ys, True), pipeline(*val, False) if val else None,
                 math.ceil(rows / batch_size), rows, _rows({**val[0], **val[1]}) if val else 0,
                 arrays={**{f"input '{k}'": v for k, v in xs.items()},
                         **{f"output '{k}'": v for k, v in ys.items()}})


def _shardable(ds: Any) -> Any:
    """In-memory datasets have no files to shard by: shard multi-worker input by batch."""
    tf = runtime.tf()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def bound_data(project: Any, batch_size: int, seed: int | None, distributed: bool) -> RunData:
    """The project's data bindings through ``modelgraft.data_api``, statistics fitted first."""
    from ... import data_api

    plan = data_api.make_datasets(project, project.graph, batch_size, seed=seed or 0, shuffle=True)
    data_api.fit_statistics(project, project.graph, plan)

    def unwrap(ds: Any) -> Any:
        if ds is None:
            return None
        xs, ys = ds.element_spec
        if (isinstance(xs, dict) and len(xs) == 1) or (isinstance(ys, dict) and len(ys) == 1):
            ds = ds.map(lambda xd, yd: (bare(xd) if isinstance(xd, dict) else xd,
                                        bare(yd) if isinstance(yd, dict) else yd))
        return _shardable(ds) if distributed else ds

    return RunData(unwrap(plan.train), unwrap(plan.validation), plan.steps_per_epoch, plan.train_rows,
                 plan.validation_rows or 0, DataFiles.of(plan.feeds))
