"""Training in the workbench: live curves of the running fit and the project's saved runs.

:class:`TrainingPanel` plots the progress events of the current run (and saved runs as
overlays); :class:`RunsPanel` lists the saved runs to overlay or restore; both draw from
plain data (:class:`CurveStore`, ``RunInfo``) and never touch TensorFlow.
"""

from __future__ import annotations

from .curves import CurveStore
from .panel import TrainingPanel
from .runs_panel import RunsPanel

__all__ = ["CurveStore", "RunsPanel", "TrainingPanel"]
