"""The project's data bindings as ``tf.data`` pipelines for training (engine thread).

:func:`make_plan` checks the bindings against a graph (every input and output bound, row
counts agreeing, shapes and dtypes fitting the ports), splits the rows and returns a
:class:`DataPlan` whose datasets yield ``(inputs, targets)`` batches shaped like the model
:meth:`EngineSession.build <modelgraft.engine.session.EngineSession.build>` makes: a dict
keyed by node names when there are several inputs (outputs), the bare tensor when there is
one (Keras refuses a dict of targets for a single bare output).

When every source can be read by index (NPY, NPZ, image folders), the row indices are
shuffled and each batch is gathered at once; when a CSV file is bound, all sources stream
in file order (held-out rows filtered out) through a shuffle buffer. Both end with
``prefetch(AUTOTUNE)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ...core.errors import DataError
from ...core.graph import INPUT_KIND, OUTPUT_KIND, Graph
from ...core.spec import TensorSpec, format_shape
from ...io.data_spec import Binding, DataSection, conform_shape, parse_data, source_kind
from ..runtime import tf
from .sources import Source, open_source

__all__ = ["SHUFFLE_BUFFER", "DataPlan", "Feed", "make_plan", "split_rows"]

SHUFFLE_BUFFER = 16384
"""Rows held by the shuffle buffer of streamed (CSV) data."""


@dataclass
class Feed:
    """One bound node: where its rows come from and how they are shaped for its port.

    Attributes:
        name: The input or output node name.
        role: ``"input"`` or ``"target"``.
        train: The training source.
        validation: The separate validation source, if any.
        shape: The per-row shape the batches are reshaped to.
        dtype: The dtype the batches are cast to.
    """

    name: str
    role: Literal["input", "target"]
    train: Source
    validation: Source | None
    shape: tuple[int, ...] = ()
    dtype: str = "float32"


@dataclass
class DataPlan:
    """The datasets of one training run.

    Attributes:
        train: Batches of ``(inputs, targets)`` over the training rows (reshuffled each epoch
            when shuffling); finite, so ``fit`` iterates it once per epoch.
        validation: Batches over the validation rows in order, or ``None``.
        train_rows: The number of training rows.
        validation_rows: The number of validation rows (0 without validation).
        steps_per_epoch: Training batches per epoch.
        validation_steps: Validation batches per pass (0 without validation).
        batch_size: The batch size.
        feeds: The bound nodes, inputs first.
        train_indices: The training rows' indices in the sources (``None`` with separate
            validation sources: every row trains).
        validation_indices: The held-out rows' indices (``None`` without a split).
    """

    train: Any
    validation: Any
    train_rows: int
    validation_rows: int
    steps_per_epoch: int
    validation_steps: int
    batch_size: int
    feeds: list[Feed] = field(default_factory=list)
    train_indices: np.ndarray | None = None
    validation_indices: np.ndarray | None = None


def split_rows(rows: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle of ``range(rows)`` split into training and held-out indices (each sorted).

    At least one row goes to each side when ``fraction > 0`` and there are two rows or more.
    """
    held = min(max(round(rows * fraction), 1 if fraction > 0 else 0), max(rows - 1, 0))
    order = np.random.default_rng(seed).permutation(rows)
    return np.sort(order[held:]), np.sort(order[:held])


# ---------------------------------------------------------------------------- checking


def _role_word(feed: Feed) -> str:
    return "input" if feed.role == "input" else "output"


def _open(name: str, binding: Binding, node_spec: TensorSpec | None, role: str) -> Feed:
    what = f"binding '{name}'"
    image_shape = None
    if role == "input" and source_kind(binding.source, what) == "images":
        shape = node_spec.shape if node_spec else ()
        if len(shape) != 3 or None in shape[:2]:
            raise DataError(f"input '{name}' is bound to image folder '{binding.source}' but its shape "
                            f"{format_shape(shape)} is not (height, width, channels) with a fixed size")
        image_shape = (shape[0], shape[1], shape[2] or 3)
    train = open_source(binding.source, binding.key, what, image_shape)
    validation = (open_source(binding.validation, binding.key, f"{what} (validation)", image_shape)
                  if binding.validation else None)
    return Feed(name, "input" if role == "input" else "target", train, validation)


def _categories(feed: Feed, saved: dict[str, list[str]]) -> dict[str, list[str]]:
    """The id mappings of a feed: the saved values first (their ids never change), then new
    values in sorted order; applied to both sources."""
    found: dict[str, set[str]] = {}
    for source in (feed.train, feed.validation):
        for column, values in (source.categories() if source else {}).items():
            found.setdefault(column, set()).update(values)
    mapping = {}
    for column, values in found.items():
        known = list(saved.get(column, []))
        mapping[column] = known + sorted(values - set(known))
    for source in (feed.train, feed.validation):
        if source is not None and mapping:
            source.use_categories(mapping)
    return mapping


def _check_rows(feeds: list[Feed], which: str) -> int:
    sources = [(f, getattr(f, which)) for f in feeds]
    first_feed, first = sources[0]
    for feed, source in sources[1:]:
        if source.rows != first.rows:
            kind = "training" if which == "train" else "validation"
            raise DataError(
                f"the {kind} sources disagree on the number of rows: {first.label} (bound to "
                f"{_role_word(first_feed)} '{first_feed.name}') has {first.rows} rows but {source.label} "
                f"(bound to {_role_word(feed)} '{feed.name}') has {source.rows}")
    return first.rows


def _fits_dtype(found: np.dtype, port: str) -> bool:
    if port == "string":
        return False
    if port.startswith(("int", "uint")) or port == "bool":
        return found.kind in "biu"
    return found.kind in "biuf"


def _conform(feed: Feed, spec: TensorSpec | None, loss: str | None) -> None:
    """Set the feed's shape and dtype for its port, or raise a one-sentence DataError."""
    for source in (feed.train, feed.validation):
        if source is None:
            continue
        found, dtype = source.shape, source.dtype
        if feed.role == "target" and loss == "sparse_categorical_crossentropy":
            if found not in ((), (1,)) or dtype.kind not in "biu":
                raise DataError(
                    f"output '{feed.name}' (sparse_categorical_crossentropy) needs one integer class id "
                    f"per row, shape (None,) or (None, 1), but {source.label} gives {dtype} values of "
                    f"shape {format_shape(found)}")
            feed.shape, feed.dtype = found, "int64"
            continue
        expected = spec.shape if spec is not None else found
        shape = conform_shape(found, expected)
        if shape is None:
            raise DataError(f"{_role_word(feed)} '{feed.name}' expects rows of shape "
                            f"{format_shape(expected)} but {source.label} gives {format_shape(found)}")
        port = spec.dtype if spec is not None else str(dtype)
        if not _fits_dtype(dtype, port):
            raise DataError(f"{_role_word(feed)} '{feed.name}' expects {port} values but {source.label} "
                            f"holds {dtype}")
        feed.shape, feed.dtype = shape, port


def _feeds(section: DataSection, graph: Graph) -> list[Feed]:
    inputs = [n for n in graph.nodes if n.kind == INPUT_KIND]
    outputs = [n for n in graph.nodes if n.kind == OUTPUT_KIND]
    unbound = [f"{'input' if n.kind == INPUT_KIND else 'output'} '{n.name}'"
               for n in inputs + outputs if n.name not in section.bindings]
    if unbound:
        listed = ", ".join(unbound[:-1]) + (" and " if len(unbound) > 1 else "") + unbound[-1]
        raise DataError(f"no data is bound to {listed}; bind a source to each input and output "
                        "(bind_data(name, source, key))")
    feeds = []
    for node in inputs:
        feed = _open(node.name, section.bindings[node.name], node.out_specs[0], "input")
        _conform(feed, node.out_specs[0], None)
        feeds.append(feed)
    for node in outputs:
        spec = node.input(0).spec
        feed = _open(node.name, section.bindings[node.name], spec, "target")
        feeds.append(feed)
    return feeds


# ---------------------------------------------------------------------------- datasets


def _structure(feeds: list[Feed], tensors: list[Any]) -> tuple[Any, Any]:
    t = tf()
    parts: dict[str, dict[str, Any]] = {"input": {}, "target": {}}
    for feed, tensor in zip(feeds, tensors):
        parts[feed.role][feed.name] = t.cast(t.reshape(tensor, (-1, *feed.shape)), feed.dtype)

    def bare(d: dict[str, Any]) -> Any:
        return next(iter(d.values())) if len(d) == 1 else d

    return bare(parts["input"]), bare(parts["target"])


def _indexed(feeds: list[Feed], which: str, indices: np.ndarray, batch: int, seed: int | None) -> Any:
    t = tf()
    ds = t.data.Dataset.from_tensor_slices(indices.astype("int64"))
    if seed is not None:
        ds = ds.shuffle(len(indices), seed=seed, reshuffle_each_iteration=True)

    def gather(idx: Any) -> tuple[Any, Any]:
        idx = t.sort(idx)  # reads in file order within a batch
        return _structure(feeds, [getattr(f, which).take(idx) for f in feeds])

    return ds.batch(batch).map(gather, num_parallel_calls=t.data.AUTOTUNE).prefetch(t.data.AUTOTUNE)


def _streamed(feeds: list[Feed], which: str, keep: np.ndarray | None, rows: int, batch: int,
              seed: int | None) -> Any:
    t = tf()
    ds = t.data.Dataset.zip(tuple(getattr(f, which).stream() for f in feeds))
    if keep is not None:
        ds = (t.data.Dataset.zip((ds, t.data.Dataset.from_tensor_slices(keep)))
              .filter(lambda row, kept: kept).map(lambda row, kept: row))
    if seed is not None:
        ds = ds.shuffle(min(rows, SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch).map(lambda *cols: _structure(feeds, list(cols)),
                             num_parallel_calls=t.data.AUTOTUNE)
    return (ds.apply(t.data.experimental.assert_cardinality(math.ceil(rows / batch)))
            .prefetch(t.data.AUTOTUNE))


def _dataset(feeds: list[Feed], which: str, indices: np.ndarray | None, total: int, batch: int,
             seed: int | None) -> Any:
    rows = total if indices is None else len(indices)
    if all(getattr(f, which).random_access for f in feeds):
        return _indexed(feeds, which, np.arange(total) if indices is None else indices, batch, seed)
    keep = None
    if indices is not None:
        keep = np.zeros(total, bool)
        keep[indices] = True
    return _streamed(feeds, which, keep, rows, batch, seed)


def make_plan(data: dict[str, Any], graph: Graph, batch_size: int, seed: int = 0,
              shuffle: bool = True) -> tuple[DataPlan, dict[str, dict[str, list[str]]]]:
    """Check the bindings of ``data`` against ``graph`` and build the training datasets.

    Args:
        data: The project's ``data`` section.
        graph: The graph to train (its input and output nodes must all be bound).
        batch_size: Rows per batch.
        seed: Seed of the per-epoch shuffle.
        shuffle: Shuffle the training rows each epoch.

    Returns:
        The plan, and the category mappings of each binding that has categorical data
        (``{binding: {column: [values…]}}``) to save in the project.

    Raises:
        DataError: an unbound input or output, a missing file or unknown key, row counts that
            disagree, data that does not fit its port, a bad batch size.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DataError(f"batch size must be a whole number ≥ 1, got {batch_size!r}")
    section = parse_data(data)
    feeds = _feeds(section, graph)
    categories = {}
    for feed in feeds:
        mapping = _categories(feed, section.bindings[feed.name].categories)
        if mapping:
            categories[feed.name] = mapping
    outputs = {n.name: n for n in graph.nodes if n.kind == OUTPUT_KIND}
    for feed in feeds:
        if feed.role == "target":
            node = outputs[feed.name]
            _conform(feed, node.input(0).spec, node.params["loss"])
    with_validation = [f.name for f in feeds if f.validation is not None]
    if with_validation and len(with_validation) < len(feeds):
        missing = next(f for f in feeds if f.validation is None)
        raise DataError(f"binding '{with_validation[0]}' has a separate validation source but binding "
                        f"'{missing.name}' has none; give every binding one, or none and a "
                        "validation split")
    total = _check_rows(feeds, "train")
    shuffle_seed = seed if shuffle else None
    validation = None
    train_idx = val_idx = None
    val_rows = 0
    if with_validation:
        val_rows = _check_rows(feeds, "validation")
        validation = _dataset(feeds, "validation", None, val_rows, batch_size, None)
        train_rows = total
    elif section.split is not None and section.split.fraction > 0:
        train_idx, val_idx = split_rows(total, section.split.fraction, section.split.seed)
        train_rows, val_rows = len(train_idx), len(val_idx)
        validation = _dataset(feeds, "train", val_idx, total, batch_size, None) if val_rows else None
    else:
        train_rows = total
    if train_rows == 0:
        raise DataError(f"{feeds[0].train.label} has no training rows")
    train = _dataset(feeds, "train", train_idx, total, batch_size, shuffle_seed)
    plan = DataPlan(train, validation, train_rows, val_rows, math.ceil(train_rows / batch_size),
                    math.ceil(val_rows / batch_size), batch_size, feeds, train_idx, val_idx)
    return plan, categories
