"""Loading .keras and legacy .h5 files: signatures, calling, safety, errors, names, caching."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelgraft.core.errors import ModelFileError, UnsafeModelError
from modelgraft.engine import runtime
from modelgraft.engine import loading
from modelgraft.engine.loading import clear_cache, load_model, set_trainable
from modelgraft.engine.summary import layer_summary


def _wrap(loaded: Any) -> Any:
    """An outer functional model around one loaded model, inputs and outputs in port order."""
    keras = runtime.keras()
    inputs = [keras.Input(tuple(e["shape"]), dtype=e["dtype"]) for e in loaded.signature["inputs"]]
    return keras.Model(inputs, loaded.call(inputs))


def test_keras_file_signature_is_complete_and_outputs_match(models: dict[str, Any]) -> None:
    loaded = load_model(models["keras"], name="node_a")
    assert loaded.format == "keras" and loaded.name == "node_a"
    assert loaded.signature == {
        "format": "keras",
        "inputs": [{"name": "x", "shape": [4], "dtype": "float32"}],
        "outputs": [{"name": "out", "shape": [3], "dtype": "float32"}],
        "params": {"total": 4 * 6 + 6 + 6 * 3 + 3, "trainable": 51},
        "endpoints": [],
        "endpoint": None,
    }
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    outer = _wrap(loaded)
    np.testing.assert_allclose(outer.predict(x, verbose=0), models["a_model"].predict(x, verbose=0), atol=1e-6)


def test_legacy_h5_loads_with_its_signature(models: dict[str, Any]) -> None:
    loaded = load_model(models["h5"], name="node_b")
    assert loaded.format == "h5"
    assert loaded.signature["inputs"] == [{"name": "x", "shape": [4], "dtype": "float32"}]
    assert loaded.signature["outputs"] == [{"name": "out", "shape": [2], "dtype": "float32"}]
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(_wrap(loaded).predict(x, verbose=0), models["b_model"].predict(x, verbose=0),
                               atol=1e-6)


def test_dict_input_multi_output_model_maps_ports_by_name(models: dict[str, Any]) -> None:
    loaded = load_model(models["multi"], name="multi_node")
    sig = loaded.signature
    assert loaded.input_names == ["meta", "image"]
    assert [(e["name"], e["shape"], e["dtype"]) for e in sig["inputs"]] == [
        ("meta", [2], "int32"), ("image", [4], "float32")]
    assert [(e["name"], e["shape"]) for e in sig["outputs"]] == [("classes", [5]), ("box", [2])]
    rng = np.random.default_rng(1)
    meta, image = rng.integers(0, 5, (3, 2)).astype("int32"), rng.normal(size=(3, 4)).astype("float32")
    got = _wrap(loaded).predict([meta, image], verbose=0)
    want = models["multi_model"].predict({"meta": meta, "image": image}, verbose=0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-5)


def test_lstm_returning_sequences_keeps_the_time_axis_unknown(models: dict[str, Any]) -> None:
    loaded = load_model(models["lstm"], name="tagger_node")
    assert loaded.signature["inputs"][0]["shape"] == [None, 5]
    assert loaded.signature["outputs"] == [{"name": "lstm", "shape": [None, 8], "dtype": "float32"}]
    x = np.random.default_rng(2).normal(size=(2, 7, 5)).astype("float32")
    assert _wrap(loaded).predict(x, verbose=0).shape == (2, 7, 8)


@pytest.mark.parametrize("key, file", [("lam_keras", "lam.keras"), ("lam_h5", "lam.h5")])
def test_lambda_is_refused_with_one_sentence_naming_file_and_layer(
        models: dict[str, Any], key: str, file: str) -> None:
    with pytest.raises(UnsafeModelError) as info:
        load_model(models[key])
    assert str(info.value) == (f"model '{file}' contains a Lambda layer at 'lambda_1' whose code would "
                               "run when loaded; load it only if you trust the file (trusted=True)")


def test_trusted_lambda_model_loads_and_runs(models: dict[str, Any]) -> None:
    loaded = load_model(models["lam_keras"], trusted=True, name="lam_node")
    x = np.ones((1, 4), "float32")
    pre = loaded.layer.get_layer("pre")
    np.testing.assert_allclose(_wrap(loaded).predict(x, verbose=0), 2.0 * (x @ pre.kernel.numpy() + pre.bias.numpy()),
                               rtol=1e-5)


def _bad_files(root: Path, models: dict[str, Any]) -> list[tuple[Path, str]]:
    (root / "notes.keras").write_text("not a model")
    (root / "notes.txt").write_text("hello")
    data = Path(models["keras"]).read_bytes()
    (root / "cut.keras").write_bytes(data[: len(data) // 2])
    (root / "empty_dir").mkdir(exist_ok=True)
    return [
        (root / "missing.keras", "does not exist"),
        (root / "notes.keras", "is neither a Keras archive nor an HDF5 file"),
        (root / "notes.txt", "is not a model file"),
        (root / "cut.keras", "damaged"),
        (root / "empty_dir", "not a SavedModel"),
        (Path(models["weights_only"]), "weights only"),
    ]


def test_unreadable_files_give_one_sentence_naming_the_file(models: dict[str, Any], tmp_path: Path) -> None:
    for path, words in _bad_files(tmp_path, models):
        for trusted in (False, True):
            with pytest.raises(ModelFileError) as info:
                load_model(path, trusted=trusted)
            message = str(info.value)
            assert not isinstance(info.value, UnsafeModelError)
            assert path.name in message and "\n" not in message, message
            if not trusted or path.name == "missing.keras":
                assert words in message, message


def test_two_models_named_functional_compose_once_renamed(models: dict[str, Any]) -> None:
    keras = runtime.keras()
    a, b = load_model(models["keras"]), load_model(models["h5"])
    assert a.name == b.name == "functional"
    x = keras.Input((4,))
    with pytest.raises(ValueError, match="unique"):
        keras.Model(x, [a.call([x])[0], b.call([x])[0]])

    a, b = load_model(models["keras"], name="model_a"), load_model(models["h5"], name="model_b")
    outer = keras.Model(x, [a.call([x])[0], b.call([x])[0]], name="composite")
    assert {layer.name for layer in outer.layers} >= {"model_a", "model_b"}
    ya, yb = outer.predict(np.ones((2, 4), "float32"), verbose=0)
    assert ya.shape == (2, 3) and yb.shape == (2, 2)


def test_trainable_flag_is_reflected_in_param_counts(models: dict[str, Any]) -> None:
    loaded = load_model(models["keras"], name="frozen", trainable=False)
    assert loaded.signature["params"] == {"total": 51, "trainable": 0}
    set_trainable(loaded, True)
    assert loaded.signature["params"] == {"total": 51, "trainable": 51}
    assert loaded.layer.get_layer("hidden").trainable


def test_same_file_twice_uses_the_cache_but_gives_separate_weights(
        models: dict[str, Any], tmp_path: Path) -> None:
    clear_cache()
    path = tmp_path / "cached.keras"
    shutil.copy(models["keras"], path)
    first = load_model(path, name="first")
    second = load_model(path, name="second")
    assert len(loading._cache) == 1, "the second load is served from the cache"
    assert second.layer is not first.layer and second.name == "second"
    for w1, w2 in zip(first.layer.weights, second.layer.weights):
        np.testing.assert_array_equal(w1.numpy(), w2.numpy())
    first.layer.get_layer("out").kernel.assign(np.zeros((6, 3), "float32"))
    assert np.abs(second.layer.get_layer("out").kernel.numpy()).sum() > 0

    shutil.copy(models["h5"], path)  # the file changed (an HDF5 model now): it is read again
    third = load_model(path, name="third")
    assert third.format == "h5" and len(loading._cache) == 1


def test_layer_summary_rows(models: dict[str, Any]) -> None:
    rows = layer_summary(load_model(models["multi"], name="summary_node"))
    by_name = {r["name"]: r for r in rows}
    assert by_name["classes"] == {"name": "classes", "type": "Dense", "output_shape": "(None, 5)",
                                  "params": 7 * 5 + 5, "trainable": True}
    assert by_name["meta"]["type"] == "InputLayer" and by_name["meta"]["params"] == 0
    assert by_name["join"]["output_shape"] == "(None, 7)"


def test_loading_on_the_engine_thread(models: dict[str, Any]) -> None:
    loaded = runtime.run(load_model, models["lstm"], name="on_engine")
    assert runtime.run(lambda: loaded.signature["params"]["total"]) == 4 * (5 * 8 + 8 * 8 + 8)
