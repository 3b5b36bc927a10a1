"""Training the composite: settings, optimizers with per-model learning rates, callbacks, runs.

Modules:
    settings: :class:`TrainSettings` (stored in ``project.training``), errors.
    optimizers: Keras optimizers scaling the learning rate per model node.
    callbacks: stop flag, last good weights (NaN guard), switch to XLA, throttled progress.
    loop: :func:`train`, in the calling thread.
    faults: the one sentence of a failed run (out of memory, unreadable data, NaN values).
    xla: whether a run compiles with XLA (``jit_compile``: auto, true, false).
    runs: run records beside the project file; list, load history, restore weights.

Importing this package does not import TensorFlow.
"""

from __future__ import annotations

from .settings import OPTIMIZERS, SettingsError, TrainingError, TrainSettings

__all__ = ["OPTIMIZERS", "SettingsError", "TrainSettings", "TrainingError"]
