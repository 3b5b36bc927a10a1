"""Training settings: what the inspector page edits and the project file stores in ``training``.

Pure Python (no TensorFlow). Per-output losses, metrics and loss weights live on the output
nodes and per-model learning-rate multipliers and freeze flags on the model nodes; this
holds everything else.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

from ...core.errors import ModelGraftError

__all__ = ["JIT_CHOICES", "MONITORS", "OPTIMIZERS", "SettingsError", "TrainSettings", "TrainingError"]

OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
MONITORS = ("val_loss", "loss")
JIT_CHOICES: tuple[str | bool, ...] = ("auto", True, False)
"""The values of ``jit_compile``: decide per run, always XLA, never XLA."""
_DEVICE = re.compile(r"^(cpu|gpu:\d+)$")


class SettingsError(ModelGraftError, ValueError):
    """A training setting that is missing, of the wrong type or out of range.

    Attributes:
        field: The setting's name.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TrainingError(ModelGraftError):
    """A training run that cannot start or that stopped on an error (NaN loss, out of memory).

    Attributes:
        history: For a run that stopped on a fault, ``{metric: [value per epoch]}`` of the
            epochs it finished (else empty).
    """

    def __init__(self, message: str, history: dict[str, list[float]] | None = None) -> None:
        super().__init__(message)
        self.history = dict(history or {})


@dataclass
class TrainSettings:
    """Every training setting except what lives on the nodes.

    Attributes:
        optimizer: ``adam``, ``adamw``, ``sgd`` or ``rmsprop``.
        learning_rate: The base learning rate (model nodes scale it by their
            ``learning_rate_multiplier``); ``None`` takes the optimizer's Keras default.
        batch_size: Rows per batch.
        epochs: Epochs per run.
        validation_split: Fraction of in-memory rows held out for validation (the last rows,
            as Keras does); data bindings carry their own validation.
        early_stopping: Stop after ``patience`` epochs without improvement of ``monitor``.
        patience: Epochs without improvement before early stopping / LR reduction.
        monitor: ``val_loss`` or ``loss`` (``val_loss`` falls back to ``loss`` without
            validation data).
        reduce_lr_on_plateau: Multiply the learning rate by ``reduce_lr_factor`` on a plateau.
        reduce_lr_factor: The factor, in (0, 1).
        seed: Seeds Python, NumPy, TensorFlow and Keras, and the data shuffle.
        deterministic: Also make TensorFlow's ops deterministic (slower; once on, it stays
            on for the process: TensorFlow cannot switch it off).
        device: ``cpu`` or a listed GPU such as ``gpu:0``.
        mixed_precision: Compute in float16 (``mixed_float16``) with float32 variables.
        tensorboard: Write TensorBoard logs into the run folder.
        steps_per_execution: Batches per compiled call; ``0`` picks the measured default.
        jit_compile: Compile the train step with XLA: ``auto`` does when every layer supports
            it, unless the run is deterministic, distributed or has variable-length inputs;
            ``true`` always (an error names a layer XLA cannot compile); ``false`` never.
    """

    optimizer: str = "adam"
    learning_rate: float | None = None
    batch_size: int = 32
    epochs: int = 1
    validation_split: float = 0.0
    early_stopping: bool = False
    patience: int = 5
    monitor: str = "val_loss"
    reduce_lr_on_plateau: bool = False
    reduce_lr_factor: float = 0.5
    seed: int | None = None
    deterministic: bool = False
    device: str = "cpu"
    mixed_precision: bool = False
    tensorboard: bool = False
    steps_per_execution: int = 0
    jit_compile: bool | str = "auto"

    def __post_init__(self) -> None:
        self.validate()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TrainSettings:
        """Settings from the project file's ``training`` dict (unknown keys are refused).

        Raises:
            SettingsError: an unknown key or an invalid value, naming the field.
        """
        data = dict(data or {})
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise SettingsError(f"unknown training setting '{unknown[0]}'; known settings: "
                                f"{', '.join(sorted(names))}", unknown[0])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in the project file."""
        return asdict(self)

    def replace(self, **changes: Any) -> TrainSettings:
        """A copy with ``changes`` (``None`` values are ignored), validated."""
        data = self.to_dict()
        data.update({k: v for k, v in changes.items() if v is not None})
        return TrainSettings.from_dict(data)

    def validate(self) -> None:
        """Check every field.

        Raises:
            SettingsError: the first invalid field, in one sentence naming it.
        """
        def bad(name: str, why: str) -> SettingsError:
            return SettingsError(f"training setting '{name}' {why} (got {getattr(self, name)!r})", name)

        def is_int(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool)

        def is_num(value: Any) -> bool:
            return isinstance(value, (int, float)) and not isinstance(value, bool)

        if self.optimizer not in OPTIMIZERS:
            raise bad("optimizer", f"must be one of {', '.join(OPTIMIZERS)}")
        if self.learning_rate is not None and (not is_num(self.learning_rate) or not self.learning_rate > 0):
            raise bad("learning_rate", "must be a positive number")
        for name, low in (("batch_size", 1), ("epochs", 1), ("patience", 0), ("steps_per_execution", 0)):
            value = getattr(self, name)
            if not is_int(value) or value < low:
                raise bad(name, f"must be a whole number of at least {low}")
        if not is_num(self.validation_split) or not 0 <= self.validation_split < 1:
            raise bad("validation_split", "must be a fraction in [0, 1)")
        if self.monitor not in MONITORS:
            raise bad("monitor", f"must be one of {', '.join(MONITORS)}")
        if not is_num(self.reduce_lr_factor) or not 0 < self.reduce_lr_factor < 1:
            raise bad("reduce_lr_factor", "must be a number between 0 and 1")
        if self.seed is not None and (not is_int(self.seed) or self.seed < 0):
            raise bad("seed", "must be a non-negative whole number or null")
        if not isinstance(self.device, str) or not _DEVICE.match(self.device):
            raise bad("device", "must be 'cpu' or a GPU such as 'gpu:0'")
        for name in ("early_stopping", "reduce_lr_on_plateau", "deterministic", "mixed_precision",
                     "tensorboard"):
            if not isinstance(getattr(self, name), bool):
                raise bad(name, "must be true or false")
        if self.jit_compile != "auto" and not isinstance(self.jit_compile, bool):
            raise bad("jit_compile", "must be 'auto', true or false")
