"""Shared test configuration (quiet TensorFlow, offscreen Qt) and small real models saved once
per test session in every format the engine loads."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from modelgraft.engine import runtime  # noqa: E402


def _dense(keras: Any, seed: int, units: int) -> Any:
    keras.utils.set_random_seed(seed)
    x = keras.Input((4,), name="x")
    h = keras.layers.Dense(6, activation="relu", name="hidden")(x)
    return keras.Model(x, keras.layers.Dense(units, name="out")(h), name="functional")


def _tf_module(tf: Any) -> Any:
    """A plain tf.Module (no Keras) with two named inputs, one of them int32, and two outputs."""

    class Scorer(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            rng = np.random.default_rng(0)
            self.w = tf.Variable(rng.normal(size=(4, 3)).astype("float32"), name="dense/kernel")
            self.b = tf.Variable(np.zeros(3, "float32"), name="dense/bias")
            self.v = tf.Variable(rng.normal(size=(2, 3)).astype("float32"), name="meta/kernel")

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="image"),
                                      tf.TensorSpec((None, 2), tf.int32, name="meta")])
        def two(self, image: Any, meta: Any) -> dict[str, Any]:
            logits = image @ self.w + tf.cast(meta, tf.float32) @ self.v + self.b
            return {"logits": logits, "embedding": tf.nn.relu(image)}

        @tf.function(input_signature=[tf.TensorSpec((None, 4), tf.float32, name="features")])
        def one(self, features: Any) -> dict[str, Any]:
            return {"scores": tf.nn.tanh(features @ self.w + self.b)}

    return Scorer()


def _build(root: Path) -> dict[str, Any]:
    tf, keras = runtime.tf(), runtime.keras()
    paths: dict[str, Any] = {}

    a = _dense(keras, 1, 3)
    a.save(root / "a.keras")
    paths["keras"] = root / "a.keras"
    b = _dense(keras, 2, 2)
    b.save(root / "b.h5")
    paths["h5"] = root / "b.h5"
    paths["a_model"], paths["b_model"] = a, b

    a.export(str(root / "exported"), verbose=False)
    paths["exported"] = root / "exported"

    module = _tf_module(tf)
    tf.saved_model.save(module, str(root / "serving"), signatures={"serving_default": module.one})
    paths["serving"] = root / "serving"
    tf.saved_model.save(module, str(root / "named"), signatures={"serving_default": module.two})
    paths["named"] = root / "named"
    tf.saved_model.save(module, str(root / "two_sigs"),
                        signatures={"score": module.one, "multi": module.two})
    paths["two_sigs"] = root / "two_sigs"
    tf.saved_model.save(tf.Module(), str(root / "nosig"))
    paths["nosig"] = root / "nosig"

    img = keras.Input((4,), name="image")
    meta = keras.Input((2,), name="meta", dtype="int32")
    h = keras.layers.Concatenate(name="join")([img, keras.layers.Dense(3, name="embed")(meta)])
    multi = keras.Model({"meta": meta, "image": img},
                        [keras.layers.Dense(5, name="classes")(h), keras.layers.Dense(2, name="box")(h)])
    multi.save(root / "multi.keras")
    paths["multi"], paths["multi_model"] = root / "multi.keras", multi

    seq = keras.Sequential([keras.Input((None, 5)), keras.layers.LSTM(8, return_sequences=True, name="lstm")],
                           name="tagger")
    seq.save(root / "lstm.keras")
    paths["lstm"], paths["lstm_model"] = root / "lstm.keras", seq

    x = keras.Input((4,), name="x")
    lam = keras.Model(x, keras.layers.Lambda(lambda t: t * 2.0, name="lambda_1")(
        keras.layers.Dense(4, name="pre")(x)))
    lam.save(root / "lam.keras")
    lam.save(root / "lam.h5")
    paths["lam_keras"], paths["lam_h5"] = root / "lam.keras", root / "lam.h5"

    a.save_weights(root / "only.weights.h5")
    (root / "only.weights.h5").rename(root / "weights_only.h5")
    paths["weights_only"] = root / "weights_only.h5"
    return paths


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Paths of saved models (and a few of the in-memory originals, ``*_model``)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns about saving a lambda and about .h5
        return _build(tmp_path_factory.mktemp("models"))
