"""Training the composite: S10/S12 end to end, per-model learning rates, stop/resume, NaN guard,
seeds, run records, data bindings. Real (small) models and data; no mocks."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import modelgraft as mg
import numpy as np
import pytest
from modelgraft import data_api, train_api
from modelgraft.engine import runtime
from modelgraft.engine.training import SettingsError, TrainingError, TrainSettings

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)  # type: ignore[union-attr]

N = 256


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("s10")
    return folder, runtime.run(examples.build_sources, "s10_two_datasets", folder)


def s10(sources: tuple[Path, dict[str, Path]], scenario: str = "s10_two_datasets") -> mg.Project:
    folder, src = sources
    return examples.build_project(scenario, folder, src)


def data(seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    x = {"raw": rng.normal(size=(N, 100)).astype("float32"), "side": rng.normal(size=(N, 32)).astype("float32")}
    y = ((x["side"][:, 0] > 0).astype("int32") + (x["raw"][:, 0] > 1).astype("int32"))
    return x, y


def weights(project: mg.Project, node: str | None = None) -> list[np.ndarray]:
    if node is None:
        return [np.array(w) for w in project.session.build(project.graph, project.name).get_weights()]
    return [np.array(w) for w in project.session.loaded(project[node]).layer.get_weights()]


def moved(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    return float(sum(np.abs(a - b).sum() for a, b in zip(before, after)))


def test_s10_trains_from_arrays_and_keeps_weights(sources: Any) -> None:
    p = s10(sources)
    x, y = data()
    start = weights(p)
    history = train_api.train(p, x, y, epochs=4, learning_rate=0.01, validation_split=0.25, seed=1)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 and all(np.isfinite(v)) for v in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert moved(start, weights(p)) > 0  # the next build() uses the trained weights
    out = p.build()(x)  # Project.build (engine thread) sees them too
    assert np.allclose(np.asarray(out), np.asarray(p.session.build(p.graph, p.name)(x)), atol=1e-6)


def test_s12_frozen_versus_finetuned_with_multiplier(sources: Any) -> None:
    x, y = data()
    frozen, tuned = s10(sources), s10(sources, "s12_finetune")
    assert frozen["preprocessor"].params["trainable"] is False
    assert tuned["preprocessor"].params["learning_rate_multiplier"] == 0.1
    counts = [sum(int(np.prod(v.shape)) for v in q.session.build(q.graph, q.name).trainable_weights)
              for q in (frozen, tuned)]
    assert counts[1] - counts[0] == 100 * 128 + 128  # the preprocessor's Dense
    pre = [weights(q, "preprocessor") for q in (frozen, tuned)]
    fin = [weights(q, "final") for q in (frozen, tuned)]
    for q in (frozen, tuned):
        train_api.train(q, x, y, epochs=2, learning_rate=0.01, seed=3)
    assert moved(pre[0], weights(frozen, "preprocessor")) == 0
    assert moved(pre[1], weights(tuned, "preprocessor")) > 0
    assert moved(fin[0], weights(frozen, "final")) > 0 and moved(fin[1], weights(tuned, "final")) > 0


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_learning_rate_multiplier_scales_the_update(sources: Any, optimizer: str) -> None:
    """One full-batch step from the same start: multiplier 0.1 moves ~10× less than 1.0."""
    x, y = data()
    movement = {}
    for factor in (1.0, 0.1):
        p = s10(sources, "s12_finetune")
        p.set_params("preprocessor", learning_rate_multiplier=factor)
        before = weights(p, "preprocessor")
        train_api.train(p, x, y, epochs=1, batch_size=N, optimizer=optimizer, learning_rate=0.01, seed=0)
        movement[factor] = moved(before, weights(p, "preprocessor"))
    assert 9.0 < movement[1.0] / movement[0.1] < 11.0


def test_multiplier_with_savedmodel_layer_and_adam(models: dict[str, Any]) -> None:
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = np.random.default_rng(1).normal(size=(64, 3)).astype("float32")
    movement = {}
    for factor in (1.0, 0.1):
        p = mg.Project("sm")
        inp = p.add_input("x", shape=(4,))
        part = p.add_model(models["exported"], name="part")
        p.set_params(part, learning_rate_multiplier=factor)
        p.connect(inp, part)
        p.connect(part, p.add_output("y"))
        assert p.session.loaded(p["part"]).format == "savedmodel"
        before = weights(p, "part")
        train_api.train(p, x, y, epochs=1, batch_size=64, optimizer="adam", learning_rate=0.01)
        movement[factor] = moved(before, weights(p, "part"))
    assert movement[0.1] > 0
    assert 9.0 < movement[1.0] / movement[0.1] < 11.0


def test_stop_within_one_batch_keeps_weights_and_resume_continues(sources: Any) -> None:
    runtime.keras()
    from modelgraft.engine.training.callbacks import is_set

    p = s10(sources)
    x, y = data()
    stop = threading.Event()
    seen: dict[str, Any] = {}

    class Trip(runtime.keras().callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            seen["batches"] = batch + 1
            if batch == 2:
                stop.set()

    history = train_api.train(p, x, y, epochs=3, batch_size=16, steps_per_execution=1, stop=stop,
                              callbacks=[Trip()])
    assert is_set(stop) and seen["batches"] == 3  # stopped right after the batch that set the flag
    assert len(history["loss"]) == 1  # the interrupted epoch is reported, no more
    reached = weights(p)

    class First(runtime.keras().callbacks.Callback):
        def on_train_begin(self, logs: Any = None) -> None:
            seen["start"] = [np.array(w) for w in self.model.get_weights()]

    train_api.train(p, x, y, epochs=1, batch_size=16, steps_per_execution=1, callbacks=[First()])
    assert moved(reached, seen["start"]) == 0  # resumed from the weights reached
    assert moved(reached, weights(p)) > 0


def test_nan_loss_stops_naming_epoch_and_batch_and_restores_weights(sources: Any) -> None:
    p = s10(sources)
    x, y = data()
    train_api.train(p, x, y, epochs=1, learning_rate=0.01)
    good = weights(p)
    x_bad = {k: v.copy() for k, v in x.items()}
    x_bad["side"][5:] = np.inf  # every batch but (at most) one has an infinite input
    with pytest.raises(TrainingError, match=r"epoch 1, batch \d+") as info:
        train_api.train(p, x_bad, y, epochs=2, batch_size=8, steps_per_execution=1)
    assert "restored" in str(info.value)
    after = weights(p)
    assert all(np.isfinite(w).all() for w in after)
    assert moved(good, after) == 0  # the last good weights (before this run) are back
    assert train_api.train(p, x, y, epochs=1)["loss"][0] < 10  # and training goes on from them


def test_same_seed_and_determinism_give_identical_history(sources: Any) -> None:
    x, y = data()
    runs = [train_api.train(s10(sources), x, y, epochs=2, seed=11, deterministic=True, validation_split=0.2)
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_settings_are_validated_with_the_field_named(sources: Any) -> None:
    with pytest.raises(SettingsError, match="'optimizer'"):
        TrainSettings(optimizer="adagrad")
    with pytest.raises(SettingsError, match="'nonsense'"):
        TrainSettings.from_dict({"nonsense": 1})
    p = s10(sources)
    x, y = data()
    with pytest.raises(SettingsError, match="'batch_size'"):
        train_api.train(p, x, y, batch_size=0)
    with pytest.raises(SettingsError, match="'device'"):
        train_api.train(p, x, y, device="gpu:7")
    with pytest.raises(TrainingError, match="'side'"):
        train_api.train(p, {"raw": x["raw"]}, y)
    p.training = train_api.set_training(p, optimizer="sgd", epochs=2).to_dict()
    assert len(train_api.train(p, x, y)["loss"]) == 2


def test_runs_are_recorded_and_restorable(sources: Any, tmp_path: Path) -> None:
    p = s10(sources, "s12_finetune")
    p.save(tmp_path / "p.mgraft")
    x, y = data()
    first = train_api.train(p, x, y, epochs=3, learning_rate=0.01, validation_split=0.25)
    after_first = weights(p)
    p.set_trainable("preprocessor", False)
    train_api.train(p, x, y, epochs=1, learning_rate=0.5, optimizer="sgd")
    runs = train_api.runs(p)
    assert [r.status for r in runs] == ["finished", "finished"]
    assert runs[0].changes == ("first run of this project",)
    assert "froze 'preprocessor'" in runs[1].changes
    assert any("optimizer" in c for c in runs[1].changes)
    folder = runs[0].folder
    assert {"run.json", "changes.txt", "history.csv", "best.weights.h5"} <= {f.name for f in folder.iterdir()}
    header = (folder / "history.csv").read_text().splitlines()[0]
    assert header.startswith("epoch,loss,val_loss")
    loaded = train_api.load_history(p, runs[0].id)
    assert loaded.keys() == first.keys()
    assert all(np.allclose(loaded[k], first[k]) for k in first)
    best = int(np.argmin(first["val_loss"]))
    assert moved(after_first, weights(p)) > 0
    train_api.restore_run(p, runs[0].id)
    if best == len(first["val_loss"]) - 1:
        assert moved(after_first, weights(p)) == 0
    with pytest.raises(TrainingError, match="no run 'nope'"):
        train_api.restore_run(p, "nope")


def test_trains_on_data_bindings(sources: Any, tmp_path: Path) -> None:
    p = s10(sources)
    x, y = data()
    np.savez(tmp_path / "a.npz", raw=x["raw"])
    np.savez(tmp_path / "b.npz", side=x["side"], label=y)
    data_api.bind_data(p, "raw", tmp_path / "a.npz", key="raw")
    data_api.bind_data(p, "side", tmp_path / "b.npz", key="side")
    data_api.bind_data(p, "label", tmp_path / "b.npz", key="label")
    data_api.set_validation(p, 0.25, seed=0)
    history = train_api.train(p, epochs=3, learning_rate=0.01, seed=0)
    assert len(history["val_loss"]) == 3 and history["loss"][-1] < history["loss"][0]


def test_progress_is_forwarded_and_throttled(sources: Any) -> None:
    p = s10(sources)
    x, y = data()
    events: list[dict[str, Any]] = []
    train_api.train(p, x, y, epochs=2, batch_size=8, steps_per_execution=1, progress=events.append)
    kinds = [e["kind"] for e in events]
    assert kinds.count("epoch") == 2 and kinds[-1] == "end"
    assert kinds.count("batch") < 2 * N // 8  # throttled: far fewer than one per batch
    assert events[kinds.index("epoch")]["logs"]["loss"] > 0


def test_stop_lands_within_one_batch_inside_a_compiled_call(sources: Any) -> None:
    """With many batches per compiled call, Stop still ends the updates at the running batch."""
    p = s10(sources)
    rng = np.random.default_rng(3)
    batch, batches = 1024, 256
    rows = batch * batches
    x = {"raw": rng.normal(size=(rows, 100)).astype("float32"),
         "side": rng.normal(size=(rows, 32)).astype("float32")}
    y = (x["side"][:, 0] > 0).astype("int32")
    stop = threading.Event()
    model: dict[str, Any] = {}
    marks: dict[str, int] = {}

    class Started(runtime.keras().callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            model["m"] = self.model

    def press_stop() -> None:
        while "m" not in model:
            threading.Event().wait(0.005)
        threading.Event().wait(0.2)
        while True:  # press well inside a compiled call, not at the end of one
            marks["before"] = int(model["m"].optimizer.iterations.numpy())
            if 8 <= marks["before"] % 64 <= 48 or marks["before"] >= batches - 16:
                break
            threading.Event().wait(0.001)
        stop.set()

    presser = threading.Thread(target=press_stop)
    presser.start()
    train_api.train(p, x, y, epochs=1, batch_size=batch, steps_per_execution=64, stop=stop,
                    callbacks=[Started()], record=False)
    presser.join()
    final = int(model["m"].optimizer.iterations.numpy())
    assert final < batches  # stopped inside the epoch
    assert 0 <= final - marks["before"] <= 2  # the running batch (and at most one racing it)
    assert final % 64 != 0  # ...which is inside a compiled call, not at its end


def test_resume_trains_the_remaining_epochs_numbered_on(sources: Any, tmp_path: Path) -> None:
    p = s10(sources)
    p.save(tmp_path / "p.mgraft")
    x, y = data()
    events: list[dict[str, Any]] = []
    history = train_api.train(p, x, y, epochs=3, initial_epoch=2, progress=events.append)
    assert len(history["loss"]) == 1
    assert [e["epoch"] for e in events if e["kind"] == "epoch"] == [3]
    assert p.runs()[-1].changes[0] == "resumed at epoch 3 of 3"
    with pytest.raises(SettingsError, match="initial_epoch 3 must be between 0 and epochs - 1"):
        train_api.train(p, x, y, epochs=3, initial_epoch=3)


# ---------------------------------------------------------------------- XLA (jit_compile)


@pytest.fixture
def xla_allowed() -> Any:
    """TensorFlow's deterministic ops (which XLA refuses) switched off for the test, as another
    test in this process may have left them on; restored afterwards."""
    from tensorflow.python.framework import config

    runtime.tf()
    was = config.is_op_determinism_enabled()
    config.disable_op_determinism()
    yield
    if was:
        config.enable_op_determinism()


def test_jit_compile_is_auto_true_or_false() -> None:
    assert TrainSettings().jit_compile == "auto"
    assert [TrainSettings(jit_compile=v).jit_compile for v in ("auto", True, False)] == ["auto", True, False]
    for bad in ("on", 1, None):
        with pytest.raises(SettingsError, match=r"'jit_compile' must be 'auto', true or false") as info:
            TrainSettings.from_dict({"jit_compile": bad})
        assert info.value.field == "jit_compile"


def _table_savedmodel(folder: Path) -> Path:
    """A SavedModel whose function looks values up in a hash table, an op XLA has no kernel for."""
    tf = runtime.tf()

    class Table(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            init = tf.lookup.KeyValueTensorInitializer(tf.constant([0, 1, 2], tf.int64),
                                                       tf.constant([0.5, 1.5, 2.5]))
            self.table = tf.lookup.StaticHashTable(init, -1.0)
            self.w = tf.Variable(np.ones((4, 3), "float32"), name="dense/kernel")

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="x")])
        def score(self, x: Any) -> dict[str, Any]:
            scale = tf.reduce_sum(self.table.lookup(tf.cast(tf.round(x), tf.int64)), -1, keepdims=True)
            return {"y": scale * (x @ self.w)}

    module = Table()
    tf.saved_model.save(module, str(folder / "table"), signatures={"serving_default": module.score})
    return folder / "table"


def _one_part(path: Path) -> mg.Project:
    p = mg.Project("part")
    x = p.add_input("x", shape=(4,))
    part = p.add_model(path, name="part")
    p.connect(x, part)
    p.connect(part, p.add_output("y"))
    return p


def test_savedmodel_layers_support_xla_only_when_xla_compiles_them(models: dict[str, Any], tmp_path: Path,
                                                                   xla_allowed: Any) -> None:
    from modelgraft.engine.training.xla import resolve_jit_compile

    exported, table = _one_part(models["exported"]), _one_part(_table_savedmodel(tmp_path))
    layers = [q.session.loaded(q["part"]).layer for q in (exported, table)]
    assert [layer.supports_jit for layer in layers] == [True, False]
    model = table.session.build(table.graph, table.name)
    assert resolve_jit_compile("auto", model, distributed=False, deterministic=False) is False
    with pytest.raises(SettingsError, match=r"'jit_compile' is true but layer 'part' \(SavedModelLayer\) "
                                            r"does not support XLA; set it to 'auto' or false"):
        table.train(np.ones((8, 4), "float32"), np.ones((8, 3), "float32"), jit_compile=True)
    x, y = np.ones((16, 4), "float32"), np.ones((16, 3), "float32")
    assert len(exported.train(x, y, epochs=2, batch_size=8, jit_compile=True)["loss"]) == 2

    layers[1].supports_jit = True  # pretend: XLA itself then refuses, in one sentence with the way out
    with pytest.raises(TrainingError, match=r"^XLA cannot compile the model: [^\n]+ \(set training setting "
                                            r"'jit_compile' to false\); training stopped and the weights from "
                                            r"before the run were restored$"):
        table.train(x, y, batch_size=8, jit_compile=True)


def test_auto_keeps_xla_off_where_keras_would(xla_allowed: Any) -> None:
    from modelgraft.engine.training.xla import resolve_jit_compile

    keras = runtime.keras()
    inp = keras.Input((4,))
    fixed = keras.Model(inp, keras.layers.Dense(2)(inp))
    seq = keras.Input((None, 4))
    variable = keras.Model(seq, keras.layers.Dense(2)(seq))

    def auto(model: Any, **kw: bool) -> bool | None:
        return resolve_jit_compile("auto", model, **{"distributed": False, "deterministic": False, **kw})

    assert auto(fixed) is None  # allowed: the run decides after timing an epoch
    assert auto(fixed, distributed=True) is False
    assert auto(fixed, deterministic=True) is False
    assert auto(variable) is False
    assert resolve_jit_compile(False, fixed, distributed=False, deterministic=False) is False
    assert resolve_jit_compile(True, variable, distributed=False, deterministic=False) is True


def test_auto_switches_to_xla_when_the_rest_of_the_run_is_long(sources: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               xla_allowed: Any) -> None:
    import json

    from modelgraft.engine.training import xla

    p = s10(sources)
    p.save(tmp_path / "p.mgraft")
    x, y = data()
    seen: list[bool] = []

    class Jit(runtime.keras().callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            seen.append(bool(self.model.jit_compile))

    def xla_of_last_run() -> bool:
        return json.loads((p.runs()[-1].folder / "run.json").read_text())["xla"]

    train_api.train(p, x, y, epochs=3, callbacks=[Jit()])
    assert (seen, xla_of_last_run()) == ([False] * 3, False)  # a short run never pays for compiling

    monkeypatch.setattr(xla, "XLA_MIN_SECONDS", 0.0)
    seen.clear()
    history = train_api.train(p, x, y, epochs=3, batch_size=16, steps_per_execution=8, callbacks=[Jit()])
    assert seen == [False, True, True] and xla_of_last_run() is True  # timed in epoch 1, XLA after it
    assert all(np.isfinite(history["loss"])) and history["loss"][-1] < history["loss"][0]

    seen.clear()
    train_api.train(p, x, y, epochs=1, batch_size=16, steps_per_execution=8, callbacks=[Jit()])
    assert seen == [True]  # proven at this batch size: XLA from the start, same optimizer state
    seen.clear()
    train_api.train(p, x, y, epochs=1, batch_size=32, steps_per_execution=8, callbacks=[Jit()])
    assert seen == [False]  # another batch size has to fit in memory without XLA first
