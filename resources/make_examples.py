"""Regenerate the example projects of resources/examples/, one per scenario S1–S12.

Each example holds small, seeded source models (trained models stand-ins) and a project
file wiring them as SCENARIOS.md describes. Run ``make examples`` (or this file) to rebuild
them; the same files come out every time for the same TensorFlow/Keras versions.

The module is also imported by the tests (``build_sources`` and ``build_project``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

EXAMPLES = Path(__file__).resolve().parent / "examples"

SCENARIOS = {
    "s1_feature_head": "S1: a feature extractor (1024,) feeding a new dense classifier head",
    "s2_lstm_flatten": "S2: an LSTM's sequence output (20, 128) flattened into a sigmoid head",
    "s3_image_text": "S3: an image CNN and a text MLP concatenated into one classifier",
    "s4_reshape": "S4: model A gives (10,), model B expects (1, 10): a reshape between them",
    "s5_cast_minmax": "S5: float32 into a float16 model, min-max normalised with fixed statistics",
    "s6_pad_sequences": "S6: variable-length sequences padded to the fixed length model B expects",
    "s7_cnn_classifier": "S7: a frozen CNN feature extractor end to end with a dense classifier",
    "s8_stacked_lstms": "S8: two LSTMs stacked, the first frozen",
    "s9_legacy_h5": "S9: two legacy .h5 models stacked sequentially",
    "s10_two_datasets": "S10: a preprocessor and a second dataset feeding a two-input final model",
    "s11_standardize": "S11: standardising raw inputs inside the model",
    "s12_finetune": "S12: the S10 chain with the preprocessor fine-tuned at a smaller learning rate",
}


def _keras():
    from modelgraft.engine.runtime import keras as quiet_keras

    keras = quiet_keras()
    keras.utils.set_random_seed(7)
    return keras


def _save(model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(path))


def build_sources(scenario: str, folder: Path) -> dict[str, Path]:
    """Build and save the source models of one scenario; returns {role: path}."""
    k = _keras()
    L = k.layers
    m = folder / "models"
    out: dict[str, Path] = {}

    def seq(name: str, shape: tuple, layers: list, dtype: str = "float32"):
        return k.Sequential([k.Input(shape=shape, dtype=dtype, name=f"{name}_in"), *layers], name=name)

    if scenario == "s1_feature_head":
        out["features"] = m / "features.keras"
        _save(seq("features", (64,), [L.Dense(1024, activation="relu", name="feat")]), out["features"])
    elif scenario == "s2_lstm_flatten":
        out["lstm"] = m / "lstm.keras"
        _save(seq("lstm", (20, 8), [L.LSTM(128, return_sequences=True, name="seq")]), out["lstm"])
    elif scenario == "s3_image_text":
        out["cnn"] = m / "cnn.keras"
        out["text"] = m / "text.keras"
        _save(seq("cnn", (32, 32, 3), [L.Conv2D(8, 3, activation="relu"), L.GlobalAveragePooling2D(),
                                        L.Dense(16, name="img_feat")]), out["cnn"])
        _save(seq("text", (100,), [L.Dense(32, activation="relu", name="txt_feat")]), out["text"])
    elif scenario == "s4_reshape":
        out["a"] = m / "model_a.keras"
        out["b"] = m / "model_b.keras"
        _save(seq("model_a", (8,), [L.Dense(10, name="a_out")]), out["a"])
        _save(seq("model_b", (1, 10), [L.Flatten(), L.Dense(3, name="b_out")]), out["b"])
    elif scenario == "s5_cast_minmax":
        out["a"] = m / "model_a.keras"
        out["b"] = m / "model_b.keras"
        _save(seq("model_a", (6,), [L.Dense(10, name="a_out")]), out["a"])
        _save(seq("model_b", (10,), [L.Dense(4, name="b_out", dtype="float16")], dtype="float16"), out["b"])
    elif scenario == "s6_pad_sequences":
        out["a"] = m / "encoder.keras"
        out["b"] = m / "reader.keras"
        _save(seq("encoder", (None, 8), [L.Dense(16, name="per_step")]), out["a"])
        _save(seq("reader", (12, 16), [L.GRU(8, name="gru"), L.Dense(2, name="b_out")]), out["b"])
    elif scenario == "s7_cnn_classifier":
        out["cnn"] = m / "extractor.keras"
        out["clf"] = m / "classifier.keras"
        _save(seq("extractor", (64, 64, 3), [L.Conv2D(4, 3, strides=2, activation="relu"),
                                              L.GlobalAveragePooling2D(), L.Dense(32, name="emb")]),
              out["cnn"])
        _save(seq("classifier", (32,), [L.Dense(16, activation="relu"),
                                         L.Dense(5, activation="softmax", name="probs")]), out["clf"])
    elif scenario == "s8_stacked_lstms":
        out["first"] = m / "lstm_first.keras"
        out["second"] = m / "lstm_second.keras"
        _save(seq("lstm_first", (20, 8), [L.LSTM(64, return_sequences=True, name="l1")]), out["first"])
        _save(seq("lstm_second", (20, 64), [L.LSTM(32, name="l2")]), out["second"])
    elif scenario == "s9_legacy_h5":
        out["a"] = m / "stage_a.h5"
        out["b"] = m / "stage_b.h5"
        _save(seq("stage_a", (16,), [L.Dense(8, activation="relu", name="a_out")]), out["a"])
        _save(seq("stage_b", (8,), [L.Dense(4, activation="softmax", name="b_out")]), out["b"])
    elif scenario in ("s10_two_datasets", "s12_finetune"):
        out["pre"] = m / "preprocessor.keras"
        out["final"] = m / "final.keras"
        _save(seq("preprocessor", (100,), [L.Dense(128, activation="relu", name="embedding")]),
              out["pre"])
        feat = k.Input(shape=(128,), name="features")
        side = k.Input(shape=(32,), name="side")
        h = L.Concatenate()([feat, side])
        h = L.Dense(32, activation="relu")(h)
        final = k.Model([feat, side], L.Dense(3, activation="softmax", name="label")(h), name="final")
        _save(final, out["final"])
    elif scenario == "s11_standardize":
        out["model"] = m / "regressor.keras"
        _save(seq("regressor", (16,), [L.Dense(8, activation="relu"), L.Dense(1, name="value")]),
              out["model"])
    else:
        raise KeyError(f"unknown scenario {scenario}")
    return out


def build_project(scenario: str, folder: Path, sources: dict[str, Path] | None = None):
    """Build the ``modelgraft.Project`` wiring a scenario's source models.

    Args:
        scenario: A key of :data:`SCENARIOS`.
        folder: Where the sources are (or are written, when ``sources`` is ``None``).
        sources: The result of :func:`build_sources`, if already built.
    """
    import modelgraft as mg

    src = {k: str(v) for k, v in (sources or build_sources(scenario, folder)).items()}
    p = mg.Project(scenario)

    def chain(*nodes):
        for a, b in zip(nodes, nodes[1:]):
            p.connect(a, b)

    if scenario == "s1_feature_head":
        x = p.add_input("x", shape=(64,))
        f = p.add_model(src["features"], name="features", trainable=False)
        h = p.add_node("dense", name="hidden", units=256, activation="relu")
        c = p.add_node("dense", name="classes", units=10, activation="softmax")
        y = p.add_output("y", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        chain(x, f, h, c, y)
    elif scenario == "s2_lstm_flatten":
        x = p.add_input("x", shape=(20, 8))
        lstm = p.add_model(src["lstm"], name="lstm", trainable=False)
        y = p.add_output("y", loss="binary_crossentropy", metrics=["accuracy"])
        chain(x, lstm, p.add_node("flatten", name="flat"),
              p.add_node("dense", name="score", units=1, activation="sigmoid"), y)
    elif scenario == "s3_image_text":
        img = p.add_input("image", shape=(32, 32, 3))
        txt = p.add_input("text", shape=(100,))
        cnn = p.add_model(src["cnn"], name="cnn")
        mlp = p.add_model(src["text"], name="text_mlp")
        cat = p.add_node("concatenate", name="joined")
        y = p.add_output("y", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        chain(img, cnn)
        chain(txt, mlp)
        p.connect(cnn, cat.input("in_0"))
        p.connect(mlp, cat.input("in_1"))
        chain(cat, p.add_node("dense", name="hidden", units=64, activation="relu"),
              p.add_node("dense", name="classes", units=10, activation="softmax"), y)
    elif scenario == "s4_reshape":
        x = p.add_input("x", shape=(8,))
        a = p.add_model(src["a"], name="model_a")
        b = p.add_model(src["b"], name="model_b")
        chain(x, a, p.add_node("reshape", name="to_1x10", target_shape=(1, 10)), b, p.add_output("y"))
    elif scenario == "s5_cast_minmax":
        x = p.add_input("x", shape=(6,))
        a = p.add_model(src["a"], name="model_a")
        b = p.add_model(src["b"], name="model_b")
        norm = p.add_node("normalize", name="minmax", mode="minmax", minimum=-3.0, maximum=3.0)
        cast = p.add_node("cast", name="to_f16", dtype="float16")
        chain(x, a, norm, cast, b, p.add_output("y"))
    elif scenario == "s6_pad_sequences":
        x = p.add_input("x", shape=(None, 8), ragged=True)
        a = p.add_model(src["a"], name="encoder")
        b = p.add_model(src["b"], name="reader")
        pad = p.add_node("pad", name="pad_to_12", length=12, value=0.0)
        chain(x, a, pad, b, p.add_output("y"))
    elif scenario == "s7_cnn_classifier":
        x = p.add_input("image", shape=(64, 64, 3))
        cnn = p.add_model(src["cnn"], name="extractor", trainable=False)
        clf = p.add_model(src["clf"], name="classifier")
        chain(x, cnn, clf, p.add_output("y", loss="sparse_categorical_crossentropy",
                                         metrics=["accuracy"]))
    elif scenario == "s8_stacked_lstms":
        x = p.add_input("x", shape=(20, 8))
        first = p.add_model(src["first"], name="lstm_first", trainable=False)
        second = p.add_model(src["second"], name="lstm_second")
        chain(x, first, second, p.add_output("y"))
    elif scenario == "s9_legacy_h5":
        x = p.add_input("x", shape=(16,))
        chain(x, p.add_model(src["a"], name="stage_a"), p.add_model(src["b"], name="stage_b"),
              p.add_output("y", loss="sparse_categorical_crossentropy", metrics=["accuracy"]))
    elif scenario in ("s10_two_datasets", "s12_finetune"):
        raw = p.add_input("raw", shape=(100,))
        side = p.add_input("side", shape=(32,))
        pre = p.add_model(src["pre"], name="preprocessor", trainable=scenario == "s12_finetune")
        if scenario == "s12_finetune":
            p.set_params(pre, learning_rate_multiplier=0.1)
        final = p.add_model(src["final"], name="final")
        chain(raw, pre)
        p.connect(pre, final.input("features"))
        p.connect(side, final.input("side"))
        p.connect(final, p.add_output("label", loss="sparse_categorical_crossentropy",
                                      metrics=["accuracy"]))
    elif scenario == "s11_standardize":
        x = p.add_input("x", shape=(16,))
        norm = p.add_node("normalize", name="standardize", mode="standardize")
        chain(x, norm, p.add_model(src["model"], name="regressor"), p.add_output("y"))
    return p


def bind_s10_data(project, folder: Path, rows: int, validation: float = 0.25, corrupt: bool = False) -> None:
    """Write seeded NPZ data for the S10 graph into ``folder`` and bind it.

    ``a.npz`` holds ``raw`` (rows × 100), ``b.npz`` holds ``side`` (rows × 32) and the class
    ``label`` (whether ``side[:, 0] > 0``). ``corrupt`` makes every ``side`` row after the
    third infinite (a NaN loss follows); ``validation`` is the held-out fraction.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    raw = rng.normal(size=(rows, 100)).astype("float32")
    side = rng.normal(size=(rows, 32)).astype("float32")
    label = (side[:, 0] > 0).astype("int32")
    if corrupt:
        side[3:] = np.inf
    np.savez(folder / "a.npz", raw=raw)
    np.savez(folder / "b.npz", side=side, label=label)
    for name, file in (("raw", "a.npz"), ("side", "b.npz"), ("label", "b.npz")):
        project.bind_data(name, folder / file, key=name)
    project.set_validation(validation, seed=0)


def _lay_out(project) -> None:
    """Place the nodes in columns along the data flow (sizes approximate the canvas's)."""
    from modelgraft.core.layout import layered_positions

    sizes = {n.name: (260.0, 56.0 + 24.0 * (len(n.inputs) + len(n.outputs)) + (24.0 if n.kind == "model" else 0.0))
             for n in project.nodes}
    for name, position in layered_positions(project.graph, sizes).items():
        project.graph.move(name, position)


def write_example(scenario: str, root: Path = EXAMPLES) -> Path:
    """(Re)write one example folder; returns its project file."""
    folder = root / scenario
    shutil.rmtree(folder, ignore_errors=True)
    project = build_project(scenario, folder)
    _lay_out(project)
    return project.save(folder / "project.mgraft")


def main(argv: list[str]) -> int:
    """Regenerate the named examples (all by default)."""
    for name in argv or list(SCENARIOS):
        print(f"{name}: {write_example(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
