"""The data functions behind the ``Project`` API: binding sources, the validation split,
building the training datasets and fitting normalize statistics.

Each function takes the :class:`~modelgraft.project.Project` first. Bindings live in
``project.data`` (see :mod:`modelgraft.io.data_spec` for the format) with absolute paths in
memory; relative paths (as read from a project file) are resolved against the project
file's folder. :func:`make_datasets` and :func:`fit_statistics` run on the engine thread
(called from elsewhere they wait for it).
"""

from __future__ import annotations

import csv
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from .core.errors import DataError
from .core.graph import INPUT_KIND, OUTPUT_KIND, Graph
from .io.data_spec import (
    Binding,
    parse_data,
    resolve_paths,
    with_binding,
    with_categories,
    with_split,
    without_binding,
)

if TYPE_CHECKING:
    from .engine.data.pipeline import DataPlan
    from .project import Project

__all__ = ["bind_data", "binding_section", "fit_statistics", "make_datasets", "set_validation",
           "source_keys", "unbind_data"]


def _graph_names(graph: Graph, kind: str) -> str:
    return ", ".join(repr(n.name) for n in graph.nodes if n.kind == kind) or "none"


def bind_data(project: Project, name: str, source: str | os.PathLike[str],
              key: str | Sequence[str] | None = None,
              validation: str | os.PathLike[str] | None = None) -> None:
    """Bind a data source to an input node (its values) or an output node (its targets).

    The file and key are checked now (without reading the data or loading TensorFlow);
    shapes and row counts are checked by :func:`make_datasets`.

    Args:
        project: The project.
        name: An input-node or output-node name.
        source: A ``.csv``, ``.npy`` or ``.npz`` file, or an image folder with one sub-folder
            per class.
        key: An NPZ array name; a CSV column name or list of names (``None``: every column);
            ``None`` for NPY files and image folders (images for an input, class ids for an
            output).
        validation: A separate validation source of the same layout, or ``None``.

    Raises:
        DataError: an unknown node, a missing file, an unsupported kind, an unknown NPZ key
            or CSV column (the message lists the available ones).
    """
    project.data = binding_section(project, name, source, key, validation)


def binding_section(project: Project, name: str, source: str | os.PathLike[str],
                    key: str | Sequence[str] | None = None,
                    validation: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The ``data`` section :func:`bind_data` would store, without storing it.

    Lets a caller check a binding and apply it its own way (the workbench pushes it as
    one undo step). Arguments and checks are those of :func:`bind_data`.

    Returns:
        A new section; ``project.data`` is left as it was.

    Raises:
        DataError: as :func:`bind_data`.
    """
    from .engine.data.sources import open_source

    what = f"binding '{name}'"
    if name not in project.graph:
        raise DataError(f"{what}: the graph has no input or output named {name!r} (inputs: "
                        f"{_graph_names(project.graph, INPUT_KIND)}; outputs: "
                        f"{_graph_names(project.graph, OUTPUT_KIND)})")
    node = project.graph.node(name)
    if node.kind not in (INPUT_KIND, OUTPUT_KIND):
        raise DataError(f"{what}: node {name!r} is a {node.kind} node; data binds to input and "
                        "output nodes only")
    if isinstance(key, (list, tuple)):
        key = list(key)
    try:
        binding = Binding(source=str(Path(source).resolve()), key=key,
                          validation=str(Path(validation).resolve()) if validation else None)
    except ValidationError:
        raise DataError(f"{what}: key must be a column or array name, a non-empty list of them, "
                        f"or None, got {key!r}") from None
    open_source(binding.source, binding.key, what)
    if binding.validation:
        open_source(binding.validation, binding.key, f"{what} (validation)")
    return with_binding(project.data, name, binding)


def source_keys(source: str | os.PathLike[str]) -> list[str]:
    """The names a binding's key can take: a CSV file's columns or an NPZ file's arrays.

    Reads only the CSV header line or the NPZ directory (no data, no TensorFlow).

    Returns:
        The names in file order; ``[]`` for NPY files, image folders and anything that
        cannot be read (binding it gives the reason).
    """
    path = Path(source)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv" and path.is_file():
            with open(path, newline="", encoding="utf-8") as f:
                return next(csv.reader(f), [])
        if suffix == ".npz" and path.is_file():
            with np.load(path, allow_pickle=False) as npz:
                return list(npz.files)
    except (OSError, ValueError, csv.Error, zipfile.BadZipFile):
        pass
    return []


def unbind_data(project: Project, name: str) -> None:
    """Remove the binding of ``name`` (nothing happens if there is none)."""
    project.data = without_binding(project.data, name)


def set_validation(project: Project, fraction: float = 0.2, seed: int = 0) -> None:
    """Hold out ``fraction`` of the rows for validation, chosen by a shuffle seeded with ``seed``.

    Used when the bindings have no separate validation sources; ``fraction=0`` trains on
    every row without validation.

    Raises:
        DataError: ``fraction`` is not in [0, 1) or ``seed`` is negative.
    """
    project.data = with_split(project.data, fraction, seed)


def _absolute(project: Project) -> dict[str, Any]:
    base = project.path.parent if project.path is not None else Path.cwd()
    return resolve_paths(project.data, base)


def make_datasets(project: Project, graph: Graph, batch_size: int, seed: int = 0,
                  shuffle: bool = True) -> DataPlan:
    """Check the bindings against ``graph`` and build the ``tf.data`` datasets (engine thread).

    New categorical values (CSV columns, image classes) get ids after the saved ones, and
    the mappings are saved in ``project.data``.

    Args:
        project: The project.
        graph: The graph to train; each of its input and output nodes must be bound.
        batch_size: Rows per batch.
        seed: Seed of the per-epoch shuffle.
        shuffle: Shuffle the training rows each epoch.

    Raises:
        DataError: an unbound node, a missing file or key, row counts that disagree (naming
            both sources and counts), a shape or dtype that does not fit its port.
    """
    from .engine import runtime
    from .engine.data.pipeline import make_plan

    plan, categories = runtime.run(make_plan, _absolute(project), graph, batch_size, seed, shuffle)
    section = parse_data(project.data)
    for name, mapping in categories.items():
        if section.bindings[name].categories != mapping:
            project.data = with_categories(project.data, name, mapping)
    return plan


def fit_statistics(project: Project, graph: Graph, plan: DataPlan) -> dict[str, dict[str, list[float]]]:
    """Fit the null statistics of ``graph``'s normalize nodes on the training split (engine thread).

    The values go into each node's parameters (saved with the project) and into its built
    layer (so exported models carry them); statistics given by the user stay.

    Returns:
        ``{node name: {statistic: [one value per feature]}}`` for the nodes fitted.
    """
    from .engine import runtime
    from .engine.data.statistics import fit_statistics as fit

    return runtime.run(fit, project.session, graph, plan)
