"""The training settings a user turns on, each seen in what the run does: early stopping,
reduce-LR-on-plateau, loss weights per head, mixed precision, TensorBoard logs, and the
mirrored strategy. Small graphs of stock node kinds and real data; no mocks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import modelgraft as mg
import numpy as np
import pytest
from modelgraft import train_api
from modelgraft.engine import runtime
from modelgraft.engine.training import SettingsError

ROWS = 128


def regression(heads: dict[str, float] | None = None) -> mg.Project:
    """x (8,) → dense 16 → one dense 1 head per entry of ``heads`` (name → loss weight)."""
    p = mg.Project("settings")
    x = p.add_input("x", shape=(8,))
    hidden = p.add_node("dense", name="hidden", units=16, activation="relu")
    p.connect(x, hidden)
    for name, weight in (heads or {"y": 1.0}).items():
        head = p.add_node("dense", name=f"{name}_head", units=1)
        p.connect(hidden, head)
        p.connect(head, p.add_output(name, loss="mse", loss_weight=weight))
    return p


def rows(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(ROWS, 8)).astype("float32")
    return x, (x @ rng.normal(size=(8, 1))).astype("float32")


def layer_weights(project: mg.Project, name: str) -> list[np.ndarray]:
    def read() -> list[np.ndarray]:
        model = project.session.build(project.graph, project.name)
        return [np.array(w) for w in model.get_layer(name).get_weights()]

    return runtime.run(read)


def test_early_stopping_ends_the_run_once_validation_stops_improving() -> None:
    p = regression()
    x, y = rows()
    # a learning rate too small to move float32 weights: val_loss stays exactly the same
    history = train_api.train(p, x, y, epochs=10, batch_size=32, validation_split=0.25, optimizer="sgd",
                              learning_rate=1e-30, early_stopping=True, patience=1, seed=0)
    assert len(history["val_loss"]) == 2  # the first epoch sets the best, the second does not beat it
    assert history["val_loss"][0] == history["val_loss"][1]
    longer = train_api.train(p, x, y, epochs=3, batch_size=32, validation_split=0.25, optimizer="sgd",
                             learning_rate=1e-30, early_stopping=False, seed=0)
    assert len(longer["val_loss"]) == 3


def test_reduce_lr_on_plateau_lowers_the_learning_rate_by_its_factor() -> None:
    p = regression()
    x, y = rows()
    history = train_api.train(p, x, y, epochs=4, batch_size=32, validation_split=0.25, optimizer="sgd",
                              learning_rate=1e-30, reduce_lr_on_plateau=True, reduce_lr_factor=0.5,
                              patience=2, seed=0)
    rates = history["learning_rate"]  # recorded, so history.csv and the curves show it
    assert len(rates) == 4 and rates[-1] < rates[0]
    assert all(np.isclose(later, earlier) or np.isclose(later, earlier * 0.5)
               for earlier, later in zip(rates, rates[1:]))


def test_a_head_with_loss_weight_zero_is_not_trained() -> None:
    p = regression({"main": 1.0, "ignored": 0.0})
    x, y = rows()
    main, ignored = layer_weights(p, "main_head"), layer_weights(p, "ignored_head")
    history = train_api.train(p, x, {"main": y, "ignored": -y}, epochs=2, batch_size=32, learning_rate=0.05,
                              seed=0)
    assert np.allclose(history["loss"], history["main_loss"], rtol=1e-4)  # the total leaves it out
    assert not np.allclose(layer_weights(p, "main_head")[0], main[0])
    assert all(np.array_equal(a, b) for a, b in zip(layer_weights(p, "ignored_head"), ignored))


def test_mixed_precision_computes_in_float16_and_keeps_float32_weights() -> None:
    p = regression()
    x, y = rows()
    seen: dict[str, str] = {}
    keras = runtime.keras()

    class Dtypes(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            layer = self.model.get_layer("hidden")
            seen.update(compute=layer.compute_dtype, variables=layer.kernel.dtype)

    before = layer_weights(p, "hidden")
    history = train_api.train(p, x, y, epochs=2, batch_size=32, learning_rate=0.01, mixed_precision=True,
                              callbacks=[Dtypes()], seed=0)
    assert seen == {"compute": "float16", "variables": "float32"}
    assert all(np.isfinite(history["loss"]))
    after = layer_weights(p, "hidden")  # copied back into the project's own float32 model
    assert after[0].dtype == np.float32 and not np.allclose(after[0], before[0])
    assert runtime.run(lambda: keras.config.dtype_policy().name) == "float32"  # the policy is put back


def test_tensorboard_logs_go_to_the_run_folder_only_when_turned_on(tmp_path: Path) -> None:
    p = regression()
    p.save(tmp_path / "p.mgraft")
    x, y = rows()
    train_api.train(p, x, y, epochs=1, batch_size=32, tensorboard=True, seed=0)
    train_api.train(p, x, y, epochs=1, batch_size=32, tensorboard=False, seed=0)
    with_logs, without = p.runs()  # oldest first
    events = [f for _root, _dirs, files in os.walk(with_logs.folder / "tensorboard") for f in files]
    assert any(name.startswith("events.out.tfevents") for name in events)
    assert not (without.folder / "tensorboard").exists()
    unsaved = regression()
    with pytest.raises(SettingsError, match="^training setting 'tensorboard' writes its logs into the run's "
                                            "folder next to the project file; save the project first"):
        train_api.train(unsaved, x, y, epochs=1, tensorboard=True)


def test_the_mirrored_strategy_trains_on_this_machines_devices() -> None:
    p = regression()
    x, y = rows()

    def train() -> dict[str, list[float]]:
        from modelgraft.engine.training.loop import make_strategy

        strategy, chief = make_strategy("mirrored")
        assert chief and strategy.num_replicas_in_sync >= 1
        return train_api.train(p, x, y, epochs=3, batch_size=32, learning_rate=0.05, strategy=strategy, seed=0)

    before = layer_weights(p, "y_head")
    history = runtime.run(train)
    assert len(history["loss"]) == 3 and history["loss"][-1] < history["loss"][0]
    assert not np.allclose(layer_weights(p, "y_head")[0], before[0])  # the weights came back out
