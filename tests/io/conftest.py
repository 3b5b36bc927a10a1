"""Real Keras model files, generated once per session (TensorFlow is used here, never in modelgraft.io)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def keras():
    import keras as keras_module

    return keras_module


@pytest.fixture(scope="session")
def models(tmp_path_factory, keras) -> dict[str, Path]:
    """Model files by short name: ``.keras``, legacy ``.h5``, a SavedModel and unusual ones."""
    out = tmp_path_factory.mktemp("models")
    layers = keras.layers
    files: dict[str, Path] = {}

    def save(name: str, model, **kwargs) -> None:
        files[name] = out / name
        model.save(files[name], **kwargs)

    # S2: an LSTM returning sequences, then a dense layer (Sequential).
    seq = keras.Sequential([keras.Input((20, 8), name="steps"),
                            layers.LSTM(16, return_sequences=True, name="lstm"),
                            layers.Dense(3, name="head")], name="seq")
    save("seq.keras", seq)
    save("seq.h5", seq)
    save("seq_dir", seq, zipped=False)

    # S3/S10: two inputs (one int32), two outputs, one of them a nested Sequential.
    img = keras.Input((32, 32, 3), name="img")
    txt = keras.Input((100,), name="txt", dtype="int32")
    inner = keras.Sequential([layers.Dense(4, name="inner_dense")], name="inner_seq")
    merged = layers.Concatenate(name="cat")([
        layers.Flatten(name="flat_img")(img),
        layers.Flatten(name="flat_txt")(layers.Embedding(10, 2, name="emb")(txt)),
    ])
    multi = keras.Model([img, txt], [layers.Dense(2, name="scores")(merged), inner(merged)],
                        name="multi")
    save("multi.keras", multi)
    save("multi.h5", multi)

    # A functional model used as a layer of another functional model.
    x = keras.Input((5,), name="x")
    enc = keras.Model(x, layers.Dense(3, name="code")(x), name="enc")
    y = keras.Input((5,), name="features")
    save("nested.keras", keras.Model(y, layers.Dense(2, name="out")(enc(y)), name="outer_model"))

    # A Sequential built with build() instead of an Input.
    built = keras.Sequential([layers.Dense(3, name="only")], name="built")
    built.build((None, 7))
    save("built.keras", built)

    # A single-input functional model whose first layer is a nested Sequential.
    stack = keras.Sequential([enc, layers.Dense(1, name="last")], name="stack")
    save("stack.keras", stack)

    # Dict inputs and outputs.
    a, b = keras.Input((2,), name="a"), keras.Input((3,), name="b")
    save("dict.keras", keras.Model(
        {"a": a, "b": b},
        {"p": layers.Dense(1, name="p")(layers.Concatenate()([a, b])), "q": layers.Dense(2, name="q")(a)}))

    # Code that would run when loaded: a Lambda inside a nested model, inside wrappers.
    li = keras.Input((4,), name="li")
    outer = keras.Model(li, layers.Lambda(lambda t: t * 2, name="lambda_1")(li), name="outer")
    lo = keras.Input((4,), name="lo")
    lam = keras.Model(lo, outer(lo), name="lam")
    save("lambda.keras", lam)
    save("lambda.h5", lam)
    s = keras.Input((6, 4), name="s")
    wrapped = layers.TimeDistributed(layers.Lambda(lambda q: q + 1, name="lam_in"), name="td")(s)
    wrapped = layers.Bidirectional(layers.LSTM(3, return_sequences=True), name="bi")(wrapped)
    save("wrapped.keras", keras.Model(s, wrapped))

    @keras.saving.register_keras_serializable(package="thirdparty")
    class Scale(layers.Layer):
        def call(self, t):
            return t * 3

    @keras.saving.register_keras_serializable(package="modelgraft")
    class TestIdentity(layers.Layer):
        def call(self, t):
            return t

    save("custom.keras", keras.Sequential([keras.Input((3,)), Scale(name="scale")]))
    save("own.keras", keras.Sequential([keras.Input((3,)), TestIdentity(name="ident")]))

    # A SavedModel directory, and a .keras file wrapping it in a TFSMLayer.
    files["saved"] = out / "saved"
    sx = keras.Input((4,), name="sx")
    keras.Model(sx, layers.Dense(2)(sx)).export(files["saved"], verbose=False)
    save("tfsm.keras", keras.Sequential([
        keras.Input((4,)), layers.TFSMLayer(str(files["saved"]), call_endpoint="serve", name="tfsm")]))
    return files


@pytest.fixture(scope="session")
def resnet(tmp_path_factory, keras) -> Path:
    """A ResNet50-sized ``.keras`` file (hundreds of layers, random weights)."""
    path = tmp_path_factory.mktemp("big") / "resnet50.keras"
    keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3), classes=10).save(path)
    return path


@pytest.fixture()
def catalog():
    from modelgraft.nodes import CATALOG

    return CATALOG
