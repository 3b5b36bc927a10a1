"""Training data on the engine thread: sources (CSV, NPY, NPZ, image folders), the
``tf.data`` pipeline with its validation split, and fitted normalize statistics.

The project-facing functions are in :mod:`modelgraft.data_api`; the ``data`` section format
is in :mod:`modelgraft.io.data_spec`.
"""

from __future__ import annotations

from .pipeline import DataPlan, Feed, make_plan, split_rows
from .sources import Source, open_source
from .statistics import fit_statistics

__all__ = ["DataPlan", "Feed", "Source", "fit_statistics", "make_plan", "open_source", "split_rows"]
