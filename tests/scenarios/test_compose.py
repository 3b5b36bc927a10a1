"""Every scenario of SCENARIOS.md composed through the API from real model files.

Each built composite must predict exactly what the same composition written by hand in
Keras predicts from the same files (adapter weights copied over by layer name, so the
comparison is about wiring, not random initialisation).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from modelgraft.engine import runtime
from modelgraft.engine.verify import make_probe

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)  # type: ignore[union-attr]


def load(path: Any) -> Any:
    keras = runtime.keras()
    return keras.saving.load_model(str(path), compile=False)


def hand_s1(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((64,))
    h = L.Dense(256, activation="relu", name="hidden")(load(src["features"])(x))
    return k.Model(x, L.Dense(10, activation="softmax", name="classes")(h))


def hand_s2(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((20, 8))
    return k.Model(x, L.Dense(1, activation="sigmoid", name="score")(L.Flatten()(load(src["lstm"])(x))))


def hand_s3(src: dict, L: Any, k: Any) -> Any:
    img, txt = k.Input((32, 32, 3), name="image"), k.Input((100,), name="text")
    mlp = load(src["text"])
    mlp.name = "text_mlp"  # the file's model is called "text", like the input
    h = L.Concatenate()([load(src["cnn"])(img), mlp(txt)])
    h = L.Dense(64, activation="relu", name="hidden")(h)
    return k.Model({"image": img, "text": txt}, L.Dense(10, activation="softmax", name="classes")(h))


def hand_s4(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((8,))
    return k.Model(x, load(src["b"])(L.Reshape((1, 10))(load(src["a"])(x))))


def hand_s5(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((6,))
    scaled = (load(src["a"])(x) - (-3.0)) / 6.0
    return k.Model(x, load(src["b"])(k.ops.cast(scaled, "float16")))


def hand_s6(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((None, 8))
    seq = load(src["a"])(x)
    padded = k.ops.pad(seq, [[0, 0], [0, 12 - 4], [0, 0]])  # the probe's sequences have length 4
    return k.Model(x, load(src["b"])(padded))


def hand_s7(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((64, 64, 3))
    return k.Model(x, load(src["clf"])(load(src["cnn"])(x)))


def hand_s8(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((20, 8))
    return k.Model(x, load(src["second"])(load(src["first"])(x)))


def hand_s9(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((16,))
    return k.Model(x, load(src["b"])(load(src["a"])(x)))


def hand_s10(src: dict, L: Any, k: Any) -> Any:
    raw, side = k.Input((100,), name="raw"), k.Input((32,), name="side")
    out = load(src["final"])([load(src["pre"])(raw), side])
    return k.Model({"raw": raw, "side": side}, out)


def hand_s11(src: dict, L: Any, k: Any) -> Any:
    x = k.Input((16,))
    return k.Model(x, load(src["model"])(x))  # statistics not fitted yet: identity


HAND: dict[str, Callable[[dict, Any, Any], Any]] = {
    "s1_feature_head": hand_s1, "s2_lstm_flatten": hand_s2, "s3_image_text": hand_s3,
    "s4_reshape": hand_s4, "s5_cast_minmax": hand_s5, "s6_pad_sequences": hand_s6,
    "s7_cnn_classifier": hand_s7, "s8_stacked_lstms": hand_s8, "s9_legacy_h5": hand_s9,
    "s10_two_datasets": hand_s10, "s11_standardize": hand_s11, "s12_finetune": hand_s10,
}


def _hand_model(scenario: str, src: dict, ours: Any) -> Any:
    """The hand-written composite, with our adapter layers' weights copied in by name."""
    keras = runtime.keras()
    model = HAND[scenario]({k: str(v) for k, v in src.items()}, keras.layers, keras)
    for layer in model.layers:
        if not layer.weights or hasattr(layer, "layers"):
            continue
        layer.set_weights(ours.get_layer(layer.name).get_weights())
    return model


@pytest.mark.parametrize("scenario", sorted(HAND))
def test_scenario_matches_hand_written_keras(scenario: str, tmp_path: Path) -> None:
    src = examples.build_sources(scenario, tmp_path)
    project = examples.build_project(scenario, tmp_path, src)
    assert [p for p in project.check() if p.severity == "error"] == []
    ours = project.build()
    probe = make_probe(project.graph)
    inputs = next(iter(probe.values())) if len(probe) == 1 else probe

    def predictions() -> tuple[np.ndarray, np.ndarray]:
        hand = _hand_model(scenario, src, ours)
        return np.asarray(ours(inputs, training=False)), np.asarray(hand(inputs, training=False))

    got, want = runtime.run(predictions)
    assert got.shape == want.shape and got.shape[0] == len(next(iter(probe.values())))
    np.testing.assert_allclose(got.astype("float32"), want.astype("float32"), rtol=1e-3, atol=1e-3)


def test_s10_second_input_as_categorical_ids_through_an_embedding(tmp_path: Path) -> None:
    """S10's other variant: dataset B gives 3 categorical ids, embedded before the final model."""
    import modelgraft as mg

    keras = runtime.keras()

    def make() -> None:
        feat, side = keras.Input((128,), name="features"), keras.Input((12,), name="side")
        out = keras.layers.Dense(3, activation="softmax")(keras.layers.Concatenate()([feat, side]))
        keras.Model([feat, side], out, name="final").save(tmp_path / "final.keras")
        keras.Sequential([keras.Input((100,)), keras.layers.Dense(128)], name="pre").save(tmp_path / "pre.keras")

    runtime.run(make)
    p = mg.Project("s10_ids")
    raw, ids = p.add_input("raw", shape=(100,)), p.add_input("ids", shape=(3,), dtype="int32")
    pre = p.add_model(str(tmp_path / "pre.keras"), name="pre", trainable=False)
    final = p.add_model(str(tmp_path / "final.keras"), name="final")
    emb = p.add_node("embedding", name="emb", input_dim=50, output_dim=4)
    p.connect(ids, emb)
    with pytest.raises(mg.IncompatiblePorts) as info:
        p.connect(emb, final.input("side"))
    assert info.value.suggestions[0].label == "Insert Flatten"
    flat = p.add_node("flatten", name="flat")
    p.connect(raw, pre)
    p.connect(pre, final.input("features"))
    p.connect(emb, flat)
    p.connect(flat, final.input("side"))
    p.connect(final, p.add_output("label", loss="sparse_categorical_crossentropy"))
    assert p.check() == []
    ours = p.build()
    probe = make_probe(p.graph)
    assert probe["ids"].dtype == np.int32 and probe["ids"].max() < 50

    def predictions() -> tuple[np.ndarray, np.ndarray]:
        r, i = keras.Input((100,), name="raw"), keras.Input((3,), dtype="int32", name="ids")
        e = keras.layers.Embedding(50, 4, name="emb")
        hand = keras.Model({"raw": r, "ids": i}, keras.saving.load_model(tmp_path / "final.keras")(
            [keras.saving.load_model(tmp_path / "pre.keras")(r), keras.layers.Flatten()(e(i))]))
        e.set_weights(ours.get_layer("emb").get_weights())
        return np.asarray(ours(probe, training=False)), np.asarray(hand(probe, training=False))

    got, want = runtime.run(predictions)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
