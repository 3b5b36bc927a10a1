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
