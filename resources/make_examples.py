"""Regenerate the example projects of resources/examples/, one per scenario S1–S12.

Each example holds small, seeded source models (stand-ins for trained models), small data
files (NPY, NPZ or CSV) whose targets a fixed random "teacher" function computes from the
inputs (so training visibly learns), and a project file wiring them as SCENARIOS.md
describes, with the data bound, a validation split and training settings: it opens, checks,
trains and exports as it is. Paths in the project files are relative, so an example folder
can be copied anywhere.

Run ``make examples`` (or this file, optionally naming examples) to rebuild them. The output
is byte-identical from run to run for the same TensorFlow/Keras/h5py versions: every layer is
named, weights and data are seeded, and the files that embed a date or object timestamps
(Keras zips, HDF5 files, NPZ zips) are rewritten without them.

The module is also imported by tests and benchmarks (``build_sources``, ``build_project``,
``bind_s10_data``).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

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

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""The date every zip member gets (the earliest a zip can hold)."""

SAVED_DATE = "1980-01-01@00:00:00"
"""The ``date_saved`` written into each ``.keras`` file's metadata."""

TRAINING = {"epochs": 5, "batch_size": 32, "learning_rate": 0.003, "seed": 0}
"""Training settings every example ships with (F5 in the workbench trains with them)."""


# ---------------------------------------------------------------------------- byte-stable files


def _zip_member(z: zipfile.ZipFile, name: str, data: bytes, compress: bool) -> None:
    info = zipfile.ZipInfo(name, ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def _stable_h5(src: Path, dst: Path) -> None:
    """Copy an HDF5 file object by object without creation/modification timestamps."""
    import h5py

    def no_times(kind: Any) -> Any:
        plist = h5py.h5p.create(kind)
        plist.set_obj_track_times(False)
        return plist

    def copy_attrs(a: Any, b: Any) -> None:
        for key in a.attrs:
            b.attrs.create(key, a.attrs[key], dtype=a.attrs.get_id(key).dtype)

    def copy_group(a: Any, b: Any) -> None:
        copy_attrs(a, b)
        for name in a:
            obj = a[name]
            if isinstance(obj, h5py.Group):
                group = h5py.Group(h5py.h5g.create(b.id, name.encode(), gcpl=no_times(h5py.h5p.GROUP_CREATE)))
                copy_group(obj, group)
            else:
                copy_attrs(obj, b.create_dataset(name, data=obj[()], dtype=obj.dtype, track_times=False))

    fid = h5py.h5f.create(str(dst).encode(), h5py.h5f.ACC_TRUNC, fcpl=no_times(h5py.h5p.FILE_CREATE))
    with h5py.File(src, "r") as a, h5py.File(fid) as b:
        copy_group(a, b)


def _renumber_shared(config: Any, ids: dict[int, int]) -> Any:
    """The config with each ``shared_object_id`` (a memory address) replaced by 1, 2, … in
    order of first appearance, so objects shared before are shared after."""
    if isinstance(config, list):
        return [_renumber_shared(v, ids) for v in config]
    if not isinstance(config, dict):
        return config
    out = {k: _renumber_shared(v, ids) for k, v in config.items()}
    if "shared_object_id" in out:
        out["shared_object_id"] = ids.setdefault(out["shared_object_id"], len(ids) + 1)
    return out


def _stable_keras(src: Path, dst: Path) -> None:
    """Rewrite a ``.keras`` zip: fixed member dates and order, a fixed save date, shared-object
    ids that are not memory addresses, weights without HDF5 timestamps."""
    with zipfile.ZipFile(src) as z, tempfile.TemporaryDirectory() as tmp:
        members = {info.filename: (z.read(info), info.compress_type != zipfile.ZIP_STORED)
                   for info in z.infolist()}
        meta = json.loads(members["metadata.json"][0])
        meta["date_saved"] = SAVED_DATE
        members["metadata.json"] = (json.dumps(meta).encode(), members["metadata.json"][1])
        config = _renumber_shared(json.loads(members["config.json"][0]), {})
        members["config.json"] = (json.dumps(config).encode(), members["config.json"][1])
        for name, (data, compress) in members.items():
            if name.endswith(".h5"):
                raw, stable = Path(tmp, "raw.h5"), Path(tmp, "stable.h5")
                raw.write_bytes(data)
                _stable_h5(raw, stable)
                members[name] = (stable.read_bytes(), compress)
        with zipfile.ZipFile(dst, "w") as out:
            for name in sorted(members):
                _zip_member(out, name, *members[name])


def _save(model: Any, path: Path) -> None:
    """Save a model as ``.keras`` or legacy ``.h5`` with the same bytes every time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / f"raw{path.suffix}"
        model.save(str(raw))
        (_stable_h5 if path.suffix == ".h5" else _stable_keras)(raw, path)


def write_npz(path: Path, arrays: dict[str, Any], compress: bool = False) -> None:
    """``numpy.savez`` (or ``savez_compressed``) without the members' timestamps."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
            _zip_member(z, f"{name}.npy", buffer.getvalue(), compress)


def _write_npy(path: Path, array: Any) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, array, allow_pickle=False)


def _write_csv(path: Path, columns: dict[str, Any]) -> None:
    """One header line, then one row per sample; floats with 6 significant digits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(names)
        for row in zip(*(columns[n] for n in names)):
            out.writerow([f"{v:.6g}" if isinstance(v, float) else v for v in (x.item() for x in row)])


# ---------------------------------------------------------------------------- models


def _keras() -> Any:
    from modelgraft.engine.runtime import keras as quiet_keras

    keras = quiet_keras()
    keras.utils.set_random_seed(7)
    return keras


def build_sources(scenario: str, folder: Path) -> dict[str, Path]:
    """Build and save the source models of one scenario into ``folder/models``.

    Every layer is named, so the files do not depend on how many models the process built before.

    Returns:
        ``{role: model file}``.

    Raises:
        KeyError: an unknown scenario.
    """
    k = _keras()
    L = k.layers
    m = folder / "models"
    out: dict[str, Path] = {}

    def seq(name: str, shape: tuple, layers: list, dtype: str = "float32") -> Any:
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
        _save(seq("cnn", (32, 32, 3), [L.Conv2D(8, 3, activation="relu", name="conv"),
                                        L.GlobalAveragePooling2D(name="pool"), L.Dense(16, name="img_feat")]),
              out["cnn"])
        _save(seq("text", (100,), [L.Dense(32, activation="relu", name="txt_feat")]), out["text"])
    elif scenario == "s4_reshape":
        out["a"] = m / "model_a.keras"
        out["b"] = m / "model_b.keras"
        _save(seq("model_a", (8,), [L.Dense(10, name="a_out")]), out["a"])
        _save(seq("model_b", (1, 10), [L.Flatten(name="flat"), L.Dense(3, name="b_out")]), out["b"])
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
        _save(seq("extractor", (64, 64, 3), [L.Conv2D(4, 3, strides=2, activation="relu", name="conv"),
                                              L.GlobalAveragePooling2D(name="pool"), L.Dense(32, name="emb")]),
              out["cnn"])
        _save(seq("classifier", (32,), [L.Dense(16, activation="relu", name="hidden"),
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
        h = L.Concatenate(name="joined")([feat, side])
        h = L.Dense(32, activation="relu", name="hidden")(h)
        final = k.Model([feat, side], L.Dense(3, activation="softmax", name="label")(h), name="final")
        _save(final, out["final"])
    elif scenario == "s11_standardize":
        out["model"] = m / "regressor.keras"
        _save(seq("regressor", (16,), [L.Dense(8, activation="relu", name="hidden"),
                                        L.Dense(1, name="value")]), out["model"])
    else:
        raise KeyError(f"unknown scenario {scenario}")
    return out


def build_project(scenario: str, folder: Path, sources: dict[str, Path] | None = None) -> Any:
    """Build the ``modelgraft.Project`` wiring a scenario's source models (no data bound).

    Args:
        scenario: A key of :data:`SCENARIOS`.
        folder: Where the sources are (or are written, when ``sources`` is ``None``).
        sources: The result of :func:`build_sources`, if already built.

    Returns:
        The unsaved project.
    """
    import modelgraft as mg

    src = {k: str(v) for k, v in (sources or build_sources(scenario, folder)).items()}
    p = mg.Project(scenario)

    def chain(*nodes: Any) -> None:
        for a, b in itertools.pairwise(nodes):
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


# ---------------------------------------------------------------------------- data


def bind_s10_data(project: Any, folder: Path, rows: int, validation: float = 0.25, corrupt: bool = False) -> None:
    """Write seeded NPZ data for the S10 graph into ``folder`` and bind it.

    ``a.npz`` (dataset A) holds ``raw`` (rows × 100), ``b.npz`` (dataset B) holds ``side``
    (rows × 32) and the class ``label`` (whether ``side[:, 0] > 0``). ``corrupt`` makes every
    ``side`` row after the third infinite (a NaN loss follows); ``validation`` is the
    held-out fraction.
    """
    import numpy as np

    rng = np.random.default_rng(0)
    raw = rng.normal(size=(rows, 100)).astype("float32")
    side = rng.normal(size=(rows, 32)).astype("float32")
    label = (side[:, 0] > 0).astype("int32")
    if corrupt:
        side[3:] = np.inf
    write_npz(folder / "a.npz", {"raw": raw})
    write_npz(folder / "b.npz", {"side": side, "label": label})
    for name, file in (("raw", "a.npz"), ("side", "b.npz"), ("label", "b.npz")):
        project.bind_data(name, folder / file, key=name)
    project.set_validation(validation, seed=0)


def _teacher(rng: Any, x: Any, outputs: int) -> Any:
    """A fixed random linear map of the flattened rows of ``x`` (the targets' source)."""
    flat = x.reshape(len(x), -1)
    return flat @ rng.normal(size=(flat.shape[1], outputs)) / flat.shape[1] ** 0.5


def _blocky_images(rng: Any, rows: int, size: int, cells: int) -> tuple[Any, Any]:
    """``rows`` images of ``size``² pixels in [0, 1] made of cells² flat colour blocks (they
    compress well), and the per-image mean colour."""
    import numpy as np

    coarse = rng.uniform(size=(rows, cells, cells, 3)).astype("float32")
    block = size // cells
    images = np.repeat(np.repeat(coarse, block, axis=1), block, axis=2)
    return images, coarse.mean(axis=(1, 2))


def bind_example_data(scenario: str, project: Any, folder: Path) -> None:
    """Write the scenario's seeded data files into ``folder/data`` and bind them to ``project``.

    Inputs are random; targets come from a fixed random teacher function of the inputs, so a
    few epochs of training lower the loss. A fifth of the rows is held out for validation.

    Raises:
        KeyError: an unknown scenario.
    """
    import numpy as np

    rng = np.random.default_rng(sum(map(ord, scenario)))
    d = folder / "data"

    def classes(logits: Any) -> Any:
        return logits.argmax(axis=1).astype("int32")

    if scenario == "s1_feature_head":
        x = rng.normal(size=(512, 64)).astype("float32")
        _write_npy(d / "x.npy", x)
        _write_npy(d / "labels.npy", classes(_teacher(rng, x, 10)))
        project.bind_data("x", d / "x.npy")
        project.bind_data("y", d / "labels.npy")
    elif scenario == "s2_lstm_flatten":
        x = rng.normal(size=(384, 20, 8)).astype("float32")
        y = (_teacher(rng, x.sum(axis=1), 1) > 0).astype("float32")
        write_npz(d / "sequences.npz", {"x": x, "y": y})
        for name in ("x", "y"):
            project.bind_data(name, d / "sequences.npz", key=name)
    elif scenario == "s3_image_text":
        images, colour = _blocky_images(rng, 320, 32, 4)
        text = rng.poisson(0.1, size=(320, 100)).astype("float32")
        label = classes(_teacher(rng, colour - 0.5, 10) + _teacher(rng, text, 10))
        write_npz(d / "images.npz", {"image": images}, compress=True)
        write_npz(d / "text.npz", {"text": text, "label": label}, compress=True)
        project.bind_data("image", d / "images.npz", key="image")
        project.bind_data("text", d / "text.npz", key="text")
        project.bind_data("y", d / "text.npz", key="label")
    elif scenario == "s4_reshape":
        x = rng.normal(size=(512, 8)).astype("float32")
        y = np.tanh(_teacher(rng, x, 3)).astype("float32")
        xs, ys = [f"x{i}" for i in range(8)], [f"y{i}" for i in range(3)]
        _write_csv(d / "table.csv", {**dict(zip(xs, x.T)), **dict(zip(ys, y.T))})
        project.bind_data("x", d / "table.csv", key=xs)
        project.bind_data("y", d / "table.csv", key=ys)
    elif scenario == "s5_cast_minmax":
        x = rng.normal(size=(512, 6)).astype("float32")
        y = np.tanh(_teacher(rng, x, 4)).astype("float32")
        write_npz(d / "pairs.npz", {"x": x, "y": y})
        for name in ("x", "y"):
            project.bind_data(name, d / "pairs.npz", key=name)
    elif scenario == "s6_pad_sequences":
        x = rng.normal(size=(384, 9, 8)).astype("float32")
        y = np.tanh(_teacher(rng, x.sum(axis=1), 2) / 3).astype("float32")
        _write_npy(d / "sequences.npy", x)
        _write_npy(d / "targets.npy", y)
        project.bind_data("x", d / "sequences.npy")
        project.bind_data("y", d / "targets.npy")
    elif scenario == "s7_cnn_classifier":
        images, colour = _blocky_images(rng, 256, 64, 4)
        write_npz(d / "images.npz", {"image": images, "label": classes(_teacher(rng, colour - 0.5, 5))},
                  compress=True)
        project.bind_data("image", d / "images.npz", key="image")
        project.bind_data("y", d / "images.npz", key="label")
    elif scenario == "s8_stacked_lstms":
        x = rng.normal(size=(320, 20, 8)).astype("float32")
        y = np.tanh(_teacher(rng, x.sum(axis=1), 32) / 20 ** 0.5).astype("float32")
        write_npz(d / "sequences.npz", {"x": x, "y": y})
        for name in ("x", "y"):
            project.bind_data(name, d / "sequences.npz", key=name)
    elif scenario == "s9_legacy_h5":
        x = rng.normal(size=(512, 16)).astype("float32")
        _write_npy(d / "x.npy", x)
        _write_npy(d / "labels.npy", classes(_teacher(rng, x, 4)))
        project.bind_data("x", d / "x.npy")
        project.bind_data("y", d / "labels.npy")
    elif scenario in ("s10_two_datasets", "s12_finetune"):
        bind_s10_data(project, d, rows=384)
    elif scenario == "s11_standardize":
        z = rng.normal(size=(512, 16))
        centre = rng.uniform(-1000, 1000, size=16)
        scale = 10.0 ** rng.uniform(-2, 3, size=16)
        raw = (centre + scale * z).astype("float32")
        y = np.tanh(_teacher(rng, z, 1))[:, 0].astype("float32")
        xs = [f"f{i}" for i in range(16)]
        _write_csv(d / "measurements.csv", {**dict(zip(xs, raw.T)), "target": y})
        project.bind_data("x", d / "measurements.csv", key=xs)
        project.bind_data("y", d / "measurements.csv", key="target")
    else:
        raise KeyError(f"unknown scenario {scenario}")
    if scenario not in ("s10_two_datasets", "s12_finetune"):
        project.set_validation(0.2, seed=0)


# ---------------------------------------------------------------------------- projects


def _lay_out(project: Any) -> None:
    """Place the nodes in columns along the data flow (sizes approximate the canvas's)."""
    from modelgraft.core.layout import layered_positions

    sizes = {n.name: (260.0, 56.0 + 24.0 * (len(n.inputs) + len(n.outputs)) + (24.0 if n.kind == "model" else 0.0))
             for n in project.nodes}
    for name, position in layered_positions(project.graph, sizes).items():
        project.graph.move(name, position)


def write_example(scenario: str, root: Path = EXAMPLES) -> Path:
    """(Re)write one example folder: models, data, and the project file binding them.

    Args:
        scenario: A key of :data:`SCENARIOS`.
        root: The folder holding the examples.

    Returns:
        The project file.
    """
    folder = root / scenario
    shutil.rmtree(folder, ignore_errors=True)
    project = build_project(scenario, folder)
    bind_example_data(scenario, project, folder)
    project.set_training(**TRAINING)
    _lay_out(project)
    return project.save(folder / "project.mgraft")


def main(argv: list[str]) -> int:
    """Regenerate the named examples (all by default)."""
    for name in argv or list(SCENARIOS):
        print(f"{name}: {write_example(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
