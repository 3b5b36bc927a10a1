"""SavedModel directories: endpoints, named inputs, fine-tuning with Adam, export round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelgraft.core.errors import ModelFileError, UnsafeModelError
from modelgraft.engine import runtime
from modelgraft.engine.loading import LoadedModel, load_model, set_trainable
from modelgraft.engine.summary import layer_summary

RNG = np.random.default_rng(7)
IMAGE = RNG.normal(size=(16, 4)).astype("float32")
META = RNG.integers(0, 3, (16, 2)).astype("int32")


def _composite(loaded: LoadedModel) -> Any:
    """Named SavedModel inputs -> SavedModel -> concatenated outputs -> a new Dense head."""
    keras = runtime.keras()
    inputs = [keras.Input(tuple(e["shape"]), dtype=e["dtype"], name=e["name"])
              for e in loaded.signature["inputs"]]
    outs = loaded.call(inputs)
    joined = keras.layers.Concatenate(name="join")(outs) if len(outs) > 1 else outs[0]
    return keras.Model(inputs, keras.layers.Dense(1, name="head")(joined), name="composite")


def _fit_two_steps(model: Any) -> float:
    keras = runtime.keras()
    model.compile(keras.optimizers.Adam(0.05), "mse")
    history = model.fit([IMAGE, META], RNG.normal(size=(16, 1)), batch_size=8, epochs=1, verbose=0)
    return float(history.history["loss"][-1])


def test_exported_model_uses_serve_and_matches_the_original(models: dict[str, Any]) -> None:
    loaded = load_model(models["exported"], name="exported_node")
    sig = loaded.signature
    assert loaded.format == "savedmodel"
    assert loaded.endpoint == "serve" and set(sig["endpoints"]) == {"serve", "serving_default"}
    assert sig["inputs"] == [{"name": "x", "shape": [4], "dtype": "float32"}]
    assert sig["outputs"] == [{"name": "output_0", "shape": [3], "dtype": "float32"}]
    assert sig["params"] == {"total": 51, "trainable": 51}
    keras = runtime.keras()
    x = keras.Input((4,))
    outer = keras.Model(x, loaded.call([x]))
    np.testing.assert_allclose(outer.predict(IMAGE, verbose=0), models["a_model"].predict(IMAGE, verbose=0),
                               atol=1e-5)


def test_serving_default_is_the_fallback_endpoint(models: dict[str, Any]) -> None:
    loaded = load_model(models["serving"], name="serving_node")
    assert loaded.endpoint == "serving_default" and loaded.endpoints == ["serving_default"]
    assert loaded.signature["inputs"] == [{"name": "features", "shape": [4], "dtype": "float32"}]
    assert loaded.signature["outputs"] == [{"name": "scores", "shape": [3], "dtype": "float32"}]
    assert loaded.signature["params"]["total"] == 4 * 3 + 3


def test_several_named_inputs_are_ports_in_name_order(models: dict[str, Any]) -> None:
    tf = runtime.tf()
    loaded = load_model(models["named"], name="named_node")
    assert loaded.input_names == ["image", "meta"] and loaded.output_names == ["embedding", "logits"]
    assert [e["dtype"] for e in loaded.signature["inputs"]] == ["float32", "int32"]
    keras = runtime.keras()
    inputs = [keras.Input((4,)), keras.Input((2,), dtype="int32")]
    outer = keras.Model(inputs, loaded.call(inputs))
    embedding, logits = outer.predict([IMAGE, META], verbose=0)
    want = tf.saved_model.load(str(models["named"])).signatures["serving_default"](
        image=tf.constant(IMAGE), meta=tf.constant(META))
    np.testing.assert_allclose(logits, want["logits"].numpy(), atol=1e-5)
    np.testing.assert_allclose(embedding, want["embedding"].numpy(), atol=1e-6)
    assert layer_summary(loaded) == [{"name": "named_node", "type": "SavedModel signature 'serving_default'",
                                      "output_shape": "[(None, 4), (None, 3)]", "params": 21,
                                      "trainable": True}]


def test_endpoint_errors_name_the_folder_and_the_choices(models: dict[str, Any]) -> None:
    with pytest.raises(ModelFileError) as info:
        load_model(models["exported"], endpoint="predict")
    assert str(info.value) == ("SavedModel 'exported' has no signature 'predict'; "
                               "available: serve, serving_default")
    with pytest.raises(ModelFileError, match="'nosig' has no signatures"):
        load_model(models["nosig"])
    with pytest.raises(ModelFileError, match="'two_sigs' has several signatures") as info:
        load_model(models["two_sigs"])
    assert "score" in str(info.value) and "multi" in str(info.value)
    chosen = load_model(models["two_sigs"], endpoint="score", name="chosen")
    assert chosen.endpoint == "score" and chosen.input_names == ["features"]


def test_fine_tuning_with_adam_changes_the_savedmodel_weights(models: dict[str, Any]) -> None:
    loaded = load_model(models["named"], name="tuned")
    before = [w.numpy().copy() for w in loaded.layer.weights]
    assert all(":" not in w.path for w in loaded.layer.weights)
    loss = _fit_two_steps(_composite(loaded))
    assert np.isfinite(loss)
    assert all(np.abs(b - w.numpy()).max() > 1e-4 for b, w in zip(before, loaded.layer.weights))
    # The restored function reads the very variables the optimizer updated.
    fresh = load_model(models["named"], name="fresh")
    keras = runtime.keras()
    inputs = [keras.Input((4,)), keras.Input((2,), dtype="int32")]
    tuned_out = keras.Model(inputs, loaded.call(inputs)).predict([IMAGE, META], verbose=0)[1]
    fresh_out = keras.Model(inputs, fresh.call(inputs)).predict([IMAGE, META], verbose=0)[1]
    assert np.abs(tuned_out - fresh_out).max() > 1e-3


def test_frozen_savedmodel_keeps_its_weights(models: dict[str, Any]) -> None:
    loaded = load_model(models["named"], name="frozen_sm")
    set_trainable(loaded, False)
    assert loaded.signature["params"] == {"total": 21, "trainable": 0}
    before = [w.numpy().copy() for w in loaded.layer.weights]
    composite = _composite(loaded)
    head_before = composite.get_layer("head").kernel.numpy().copy()
    assert np.isfinite(_fit_two_steps(composite))
    for b, w in zip(before, loaded.layer.weights):
        np.testing.assert_array_equal(b, w.numpy())
    assert np.abs(composite.get_layer("head").kernel.numpy() - head_before).max() > 0


def test_two_nodes_from_one_savedmodel_do_not_share_weights(models: dict[str, Any]) -> None:
    one = load_model(models["serving"], name="one")
    two = load_model(models["serving"], name="two")
    one.layer.weights[0].assign(np.zeros((4, 3), "float32"))
    assert np.abs(two.layer.weights[0].numpy()).sum() > 0


def test_composite_exports_and_reloads_with_the_same_outputs(models: dict[str, Any], tmp_path: Path) -> None:
    tf = runtime.tf()
    composite = _composite(load_model(models["named"], name="export_part"))
    _fit_two_steps(composite)
    composite.export(str(tmp_path / "composite"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "composite"))
    got = reloaded.serve([tf.constant(IMAGE), tf.constant(META)]).numpy()
    np.testing.assert_allclose(got, composite.predict([IMAGE, META], verbose=0), atol=1e-5)


def test_keras_file_holding_a_savedmodel_part_needs_trust(models: dict[str, Any], tmp_path: Path) -> None:
    composite = _composite(load_model(models["serving"], name="sm_part"))
    composite.save(tmp_path / "holder.keras")
    with pytest.raises(UnsafeModelError, match="'holder.keras' contains a SavedModel layer at '[^']*sm_part'"):
        load_model(tmp_path / "holder.keras")
    loaded = load_model(tmp_path / "holder.keras", trusted=True, name="holder")
    np.testing.assert_allclose(loaded.layer.predict(IMAGE, verbose=0), composite.predict(IMAGE, verbose=0),
                               atol=1e-6)
