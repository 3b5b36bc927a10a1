"""Training functions that :class:`~modelgraft.project.Project` methods delegate to.

``train`` and ``restore_run`` run in the CALLING thread: Keras keeps naming counters and the
dtype policy per thread, so a run builds, compiles and fits in one thread. The GUI calls
them on the engine thread (``runtime.run(train_api.train, project, …)``); API users call
them from their own thread. Importing this module does not import TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .engine.training.settings import TrainSettings

if TYPE_CHECKING:
    from .engine.training.runs import RunInfo
    from .project import Project

__all__ = ["load_history", "restore_run", "runs", "set_training", "train"]


def train(project: Project, x: Any = None, y: Any = None, epochs: int | None = None,
          batch_size: int | None = None, validation_split: float | None = None,
          validation_data: Any = None, optimizer: str | None = None, learning_rate: float | None = None,
          callbacks: Iterable[Any] = (), progress: Callable[[dict[str, Any]], None] | None = None,
          stop: Any = None, initial_epoch: int = 0, **more: Any) -> dict[str, list[float]]:
    """Train the composite and return ``{metric: [value per epoch]}``.

    Without ``x``/``y`` the project's data bindings are used (normalize statistics are
    fitted on the training split first). Arguments left ``None`` take the project's
    training settings; ``more`` takes any other setting, e.g. ``jit_compile`` (``"auto"``,
    ``True`` or ``False``). See :func:`modelgraft.engine.training.loop.train` for every argument.

    Raises:
        ModelGraftError: one sentence; a run that fails (NaN loss, out of memory, a data file
            gone bad) raises a ``TrainingError`` or ``DataError`` whose ``history`` holds the
            epochs it finished, with the last good weights back in place and its run record
            marked failed.
    """
    from .engine.training.loop import train as run

    return run(project, x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
               validation_data=validation_data, optimizer=optimizer, learning_rate=learning_rate,
               callbacks=callbacks, progress=progress, stop=stop, initial_epoch=initial_epoch, **more)


def set_training(project: Project, **settings: Any) -> TrainSettings:
    """Change the project's stored training settings (validated; saved with the project).

    Raises:
        SettingsError: an unknown or invalid setting, naming the field.
    """
    updated = TrainSettings.from_dict(project.training)
    updated = TrainSettings.from_dict({**updated.to_dict(), **settings})
    project.training = updated.to_dict()
    return updated


def runs(project: Project) -> list[RunInfo]:
    """The project's saved runs, oldest first (empty for a project never saved)."""
    from .engine.training.runs import list_runs

    return list_runs(project)


def load_history(project: Project, run_id: str) -> dict[str, list[float]]:
    """The per-epoch history of a saved run, to overlay curves."""
    from .engine.training.runs import load_history as load

    return load(project, run_id)


def restore_run(project: Project, run_id: str) -> None:
    """Put a run's best weights back into the project (what build/export/train use next)."""
    from .engine.training.runs import restore_run as restore

    restore(project, run_id)
