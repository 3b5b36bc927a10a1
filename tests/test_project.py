"""The Python API (modelgraft.Project) on real model files, as a user drives it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import modelgraft as mg
from modelgraft.engine import runtime


def test_readme_api_example(models: dict[str, Any], tmp_path: Path) -> None:
    p = mg.Project("demo")
    x = p.add_input("x", shape=(4,), dtype="float32")
    enc = p.add_model(str(models["keras"]), name="enc", trainable=False)
    r = p.add_node("reshape", target_shape=(1, 3))
    y = p.add_output("y", loss="mse")
    p.connect(x, enc)
    p.connect(enc.output("out"), r.input(0))
    p.connect(r, y)
    assert (r.outputs[0].spec.shape, r.outputs[0].spec.dtype) == ((1, 3), "float32")
    assert [n.name for n in enc.inputs] == ["x"] and [n.name for n in enc.outputs] == ["out"]
    assert enc.params["signature"]["params"] == {"total": 51, "trainable": 0}
    assert p.check() == []
    model = p.build()
    assert model.name == "demo" and model.output_shape == (None, 1, 3)
    saved = p.save(tmp_path / "demo.mgraft")
    result = p.export(tmp_path / "out.keras", format="keras", verify=True)
    assert result.verified and result.message == "verified: outputs match on 8 probe samples"
    stored = json.loads(saved.read_text())
    assert [n["name"] for n in stored["nodes"]] == ["x", "enc", "reshape", "y"]
    assert (tmp_path / "out.keras").is_file()


def test_incompatible_connect_explains_and_suggestions_fix_it(models: dict[str, Any]) -> None:
    p = mg.Project()
    x = p.add_input("x", shape=(4,))
    a = p.add_model(str(models["keras"]), name="a")  # (4,) -> (3,)
    b = p.add_model(str(models["lstm"]), name="b")
    p.connect(x, a)
    with pytest.raises(mg.IncompatiblePorts) as info:
        p.connect(a, b)
    err = info.value
    assert isinstance(err, ValueError)
    assert str(err).startswith("rank: 'b' input")
    assert "'a' output gives (None, 3)" in str(err)
    assert p.edges[-1].dst.node is a, "nothing was connected"


def test_suggested_chain_inserted_makes_the_graph_valid(tmp_path: Path) -> None:
    keras = runtime.keras()

    def make() -> None:
        keras.Sequential([keras.Input((8,)), keras.layers.Dense(10)], name="m").save(tmp_path / "a.keras")
        keras.Sequential([keras.Input((1, 10)), keras.layers.Flatten(), keras.layers.Dense(2)],
                         name="m").save(tmp_path / "b.keras")

    runtime.run(make)
    p = mg.Project()
    x = p.add_input("x", shape=(8,))
    a = p.add_model(str(tmp_path / "a.keras"), name="a")
    b = p.add_model(str(tmp_path / "b.keras"), name="b")
    p.connect(x, a)
    with pytest.raises(mg.IncompatiblePorts) as info:
        p.connect(a, b)
    labels = [s.label for s in info.value.suggestions]
    assert labels[:2] == ["Insert ExpandDims 1", "Insert Reshape (1, 10)"], labels
    prev = a
    for step in info.value.suggestions[0].steps:
        node = p.add_node(step.kind, **step.param_dict)
        p.connect(prev, node)
        prev = node
    p.connect(prev, b)
    p.connect(b, p.add_output("y"))
    assert p.check() == []
    assert p.build().output_shape == (None, 2)


def test_force_connect_shows_up_in_check(models: dict[str, Any]) -> None:
    p = mg.Project()
    x = p.add_input("x", shape=(5,))
    a = p.add_model(str(models["keras"]), name="a")
    edge = p.connect(x, a, force=True)
    assert edge.verdict.level == "error"
    p.connect(a, p.add_output("y"))
    problems = p.check()
    assert [pr.message for pr in problems if pr.severity == "error"] == [
        "'x' output → 'a' input 'x': axis 1: 'a' input 'x' expects 4, 'x' output gives 5"]
    with pytest.raises(mg.BuildError, match="cannot build: 'x' output → 'a' input 'x'"):
        p.build()


def test_two_files_whose_models_share_a_name_compose(models: dict[str, Any]) -> None:
    p = mg.Project()
    x = p.add_input("x", shape=(4,))
    a = p.add_model(str(models["keras"]), name="first")
    b = p.add_model(str(models["keras"]), name="second")
    cat = p.add_node("concatenate")
    p.connect(x, a)
    p.connect(x, b)
    p.connect(a, cat)
    p.connect(b, cat)
    p.connect(cat, p.add_output("y"))
    model = p.build()
    assert {"first", "second"} <= {layer.name for layer in model.layers}
    assert model.output_shape == (None, 6)


def test_frozen_flags_and_graph_survive_save_and_reload(models: dict[str, Any], tmp_path: Path) -> None:
    work = tmp_path / "proj"
    (work / "models").mkdir(parents=True)
    model_file = shutil.copy(models["keras"], work / "models" / "enc.keras")
    p = mg.Project("frozen")
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(model_file, name="enc", trainable=False)
    head = p.add_node("dense", name="head", units=2)
    p.connect(x, enc)
    p.connect(enc, head)
    p.connect(head, p.add_output("y"))
    p.graph.move(head, (120.0, 40.0))
    p.save(work / "frozen.mgraft")
    stored = json.loads((work / "frozen.mgraft").read_text())
    enc_params = next(n for n in stored["nodes"] if n["name"] == "enc")["params"]
    assert enc_params["path"] == "models/enc.keras" and enc_params["trainable"] is False

    moved = tmp_path / "moved"
    shutil.move(str(work), moved)  # relative paths: the project still opens elsewhere
    q = mg.Project.load(moved / "frozen.mgraft")
    assert [n.name for n in q.nodes] == [n.name for n in p.nodes]
    assert q["head"].position == (120.0, 40.0)
    assert q["enc"].params["trainable"] is False
    assert [e.key() for e in q.edges] == [e.key() for e in p.edges]
    assert q.check() == []
    model = q.build()
    assert not model.get_layer("enc").trainable
    assert len(model.trainable_weights) == 2  # only the head's kernel and bias


def test_missing_model_file_is_a_problem_not_a_crash(models: dict[str, Any], tmp_path: Path) -> None:
    model_file = shutil.copy(models["keras"], tmp_path / "enc.keras")
    p = mg.Project()
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(model_file, name="enc")
    p.connect(x, enc)
    p.connect(enc, p.add_output("y"))
    p.save(tmp_path / "p.mgraft")
    Path(model_file).unlink()
    q = mg.Project.load(tmp_path / "p.mgraft")
    problems = q.check()
    assert any(pr.code == "model-missing" and pr.node == "enc" and "enc.keras" in pr.message
               for pr in problems), problems


def test_unsafe_model_is_refused_unless_trusted(models: dict[str, Any]) -> None:
    p = mg.Project()
    with pytest.raises(mg.UnsafeModelError, match="'lam.keras' contains a Lambda layer at 'lambda_1'"):
        p.add_model(str(models["lam_keras"]))
    assert p.nodes == []
    node = p.add_model(str(models["lam_keras"]), trusted=True)
    assert node.params["trusted"] and node.outputs


def test_unreadable_model_changes_nothing(tmp_path: Path) -> None:
    p = mg.Project()
    p.add_input("x", shape=(4,))
    (tmp_path / "page.keras").write_text("<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(mg.ModelFileError, match="page.keras"):
        p.add_model(str(tmp_path / "page.keras"))
    assert [n.name for n in p.nodes] == ["x"]


def test_savedmodel_node_lists_endpoints_and_uses_the_chosen_one(models: dict[str, Any]) -> None:
    p = mg.Project()
    with pytest.raises(mg.ModelFileError, match="has several signatures"):
        p.add_model(str(models["two_sigs"]), name="scorer")
    assert p.nodes == []
    sm = p.add_model(str(models["two_sigs"]), name="scorer", endpoint="multi")
    sig = sm.params["signature"]
    assert sig["endpoint"] == "multi" and sorted(sig["endpoints"]) == ["multi", "score"]
    assert [port.name for port in sm.inputs] == ["image", "meta"]
    assert str(sm.input("meta").spec) == "(None, 2) int32"


def test_weights_reached_are_kept_by_the_next_build(models: dict[str, Any]) -> None:
    p = mg.Project()
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(str(models["keras"]), name="enc")
    head = p.add_node("dense", name="head", units=2)
    p.connect(x, enc)
    p.connect(enc, head)
    p.connect(head, p.add_output("y"))
    first = p.build()

    def change() -> None:
        first.get_layer("head").kernel.assign(np.full((3, 2), 0.5, "float32"))
        first.get_layer("enc").get_layer("out").bias.assign(np.ones(3, "float32"))

    runtime.run(change)
    second = p.build()
    np.testing.assert_array_equal(np.asarray(second.get_layer("head").kernel), np.full((3, 2), 0.5))
    np.testing.assert_array_equal(np.asarray(second.get_layer("enc").get_layer("out").bias), np.ones(3))


def test_keras_ports_appear_without_tensorflow(models: dict[str, Any]) -> None:
    code = (
        "import sys, modelgraft as mg\n"
        f"p = mg.Project(); n = p.add_model({str(models['multi'])!r}, load=False)\n"
        "print([str(i.spec) for i in n.inputs], [o.name for o in n.outputs], [o.spec for o in n.outputs])\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "None" in out.stdout and "float32" in out.stdout, out.stdout


def test_parameter_counts_follow_the_trainable_flag(models: dict[str, Any]) -> None:
    p = mg.Project()
    enc = p.add_model(str(models["keras"]), name="enc")
    assert enc.params["signature"]["params"] == {"total": 51, "trainable": 51}
    p.set_trainable(enc, False)
    assert enc.params["trainable"] is False
    assert enc.params["signature"]["params"] == {"total": 51, "trainable": 0}
    p.set_trainable(enc, True)
    assert enc.params["signature"]["params"]["trainable"] == 51


def test_data_bindings_are_saved_relative_and_survive_a_move(tmp_path: Path) -> None:
    work = tmp_path / "proj"
    (work / "data").mkdir(parents=True)
    np.save(work / "data" / "x.npy", np.zeros((6, 4), "float32"))
    p = mg.Project()
    p.connect(p.add_input("x", shape=(4,)), p.add_output("y"))
    p.bind_data("x", work / "data" / "x.npy")
    p.set_validation(0.5, seed=3)
    p.save(work / "p.mgraft")
    stored = json.loads((work / "p.mgraft").read_text())["data"]
    assert stored["bindings"]["x"]["source"] == "data/x.npy" and stored["split"]["seed"] == 3
    shutil.move(str(work), tmp_path / "moved")
    q = mg.Project.load(tmp_path / "moved" / "p.mgraft", load_models=False)
    assert Path(q.data["bindings"]["x"]["source"]) == tmp_path / "moved" / "data" / "x.npy"
    with pytest.raises(mg.DataError, match="'nope'"):
        q.bind_data("nope", tmp_path / "moved" / "data" / "x.npy")


def test_train_through_the_project_api_keeps_the_weights(models: dict[str, Any]) -> None:
    p = mg.Project("fit")
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(str(models["keras"]), name="enc", trainable=False)
    head = p.add_node("dense", name="head", units=1)
    p.connect(x, enc)
    p.connect(enc, head)
    p.connect(head, p.add_output("y", loss="mse"))
    rng = np.random.default_rng(0)
    data = rng.normal(size=(64, 4)).astype("float32")
    target = data.sum(axis=1, keepdims=True)
    history = p.train(x=data, y=target, epochs=3, batch_size=16, optimizer="adam", learning_rate=0.05)
    assert set(history) >= {"loss"} and len(history["loss"]) == 3
    assert history["loss"][-1] < history["loss"][0]
    kernel = np.asarray(p.build().get_layer("head").kernel)
    again = p.train(x=data, y=target, epochs=1, batch_size=16)
    assert again["loss"][0] <= history["loss"][-1] * 1.5, "the second run starts from the weights reached"
    assert not np.array_equal(kernel, np.asarray(p.build().get_layer("head").kernel))


def test_removing_a_bound_node_drops_its_binding(tmp_path: Path) -> None:
    p = mg.Project()
    p.add_input("x", shape=(3,))
    p.add_input("z", shape=(3,))
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 3), "float32"))
    p.bind_data("x", tmp_path / "d.npz", key="x")
    p.bind_data("z", tmp_path / "d.npz", key="x")
    p.remove("x")
    assert set(p.data["bindings"]) == {"z"}
