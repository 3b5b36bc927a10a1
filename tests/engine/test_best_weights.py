"""The best weights of a run on disk: kept in memory, written at most once a minute and at the end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelgraft.engine import runtime


@pytest.fixture()
def model() -> object:
    keras = runtime.keras()
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(2, name="d")(inputs))


def _epoch(callback: object, model: object, epoch: int, val_loss: float) -> list[np.ndarray]:
    """Give the model new weights, as an epoch of training would, and end the epoch."""
    model.set_weights([np.full_like(w, epoch) for w in model.get_weights()])  # type: ignore[attr-defined]
    callback.on_epoch_end(epoch - 1, {"loss": 9.0, "val_loss": val_loss})  # type: ignore[attr-defined]
    return model.get_weights()  # type: ignore[attr-defined]


def _saved(path: Path, model: object) -> list[np.ndarray]:
    keras = runtime.keras()
    copy = keras.models.clone_model(model)
    copy.load_weights(str(path))
    return copy.get_weights()


def test_the_best_epoch_is_written_when_the_run_ends_and_the_weights_stay(model: object, tmp_path: Path) -> None:
    from modelgraft.engine.training.callbacks import BestWeights

    path = tmp_path / "best.weights.h5"
    best = BestWeights(path, "val_loss")
    best.set_model(model)
    best.on_train_begin()
    _epoch(best, model, 1, 3.0)
    second = _epoch(best, model, 2, 1.0)
    _epoch(best, model, 3, float("nan"))  # never best
    last = _epoch(best, model, 4, 2.0)
    assert not path.exists()  # a short run writes nothing while it trains
    best.on_train_end()
    assert [a.tolist() for a in _saved(path, model)] == [a.tolist() for a in second]
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), last))  # type: ignore[attr-defined]
    assert best.best == 1.0
    assert [f.name for f in tmp_path.iterdir()] == ["best.weights.h5"]  # no partial file left


def test_after_the_interval_an_improvement_is_written_at_once(model: object, tmp_path: Path) -> None:
    from modelgraft.engine.training.callbacks import BestWeights

    path = tmp_path / "best.weights.h5"
    best = BestWeights(path, "val_loss", min_interval=0.0)
    best.set_model(model)
    best.on_train_begin()
    first = _epoch(best, model, 1, 3.0)
    assert [a.tolist() for a in _saved(path, model)] == [a.tolist() for a in first]
    _epoch(best, model, 2, 5.0)  # worse: the file keeps epoch 1
    best.on_train_end()
    assert [a.tolist() for a in _saved(path, model)] == [a.tolist() for a in first]
