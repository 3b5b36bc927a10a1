"""Data bindings to tf.data: every source kind, binding errors, splits and fitted statistics."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import modelgraft as mg
import numpy as np
import pytest
from modelgraft import data_api
from modelgraft.core.errors import DataError
from modelgraft.engine import runtime
from modelgraft.engine.data.pipeline import DataPlan, split_rows


def batches(dataset: Any) -> list[Any]:
    """Every batch of a dataset as numpy (structure kept), read on the engine thread."""
    def read() -> list[Any]:
        import tensorflow as tf

        return [tf.nest.map_structure(lambda t: t.numpy(), b) for b in dataset]

    return runtime.run(read)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def dense_project(shape: tuple[int, ...] = (4,), units: int = 1, loss: str = "mse",
                  normalize: dict[str, Any] | None = None) -> mg.Project:
    """x → [normalize] → dense → y."""
    p = mg.Project("data")
    node = p.add_input("x", shape=shape)
    if normalize is not None:
        norm = p.add_node("normalize", name="norm", **normalize)
        p.connect(node, norm)
        node = norm
    head = p.add_node("dense", name="head", units=units, activation="softmax" if units > 1 else "linear")
    p.connect(node, head)
    p.connect(head, p.add_output("y", loss=loss))
    return p


def fit(project: mg.Project, plan: DataPlan, epochs: int = 1) -> dict[str, list[float]]:
    def run() -> dict[str, list[float]]:
        model = project.session.build(project.graph, project.name)
        losses = {n.name: n.params["loss"] for n in project.graph.nodes if n.kind == "output"}
        model.compile("adam", losses if len(losses) > 1 else next(iter(losses.values())))
        return model.fit(plan.train, validation_data=plan.validation, epochs=epochs, verbose=0,
                         shuffle=False).history

    return runtime.run(run)


# ---------------------------------------------------------------------------- sources


def test_csv_numeric_and_categorical_columns_with_a_stable_saved_mapping(tmp_path: Path) -> None:
    colors = ["red", "blue", "green", "blue", "red", "green"]
    rows = [[i, i * 0.5, c, i % 2] for i, c in enumerate(colors)]
    source = write_csv(tmp_path / "t.csv", ["n", "f", "color", "label"], rows)
    p = dense_project((3,), units=2, loss="sparse_categorical_crossentropy")
    data_api.bind_data(p, "x", source, key=["n", "f", "color"])
    data_api.bind_data(p, "y", source, key="label")
    plan = data_api.make_datasets(p, p.graph, batch_size=4, shuffle=False)
    assert not plan.feeds[0].train.random_access, "a CSV streams; it is never loaded whole"
    assert p.data["bindings"]["x"]["categories"] == {"color": ["blue", "green", "red"]}
    got = batches(plan.train)
    assert [len(b[1]) for b in got] == [4, 2] and plan.steps_per_epoch == 2
    x = np.concatenate([b[0] for b in got])
    ids = {"blue": 0, "green": 1, "red": 2}
    np.testing.assert_allclose(x, [[i, i * 0.5, ids[c]] for i, c in enumerate(colors)])
    assert x.dtype == np.float32
    np.testing.assert_array_equal(np.concatenate([b[1] for b in got]), [i % 2 for i in range(6)])

    # a new value sorting first gets the next id: the saved ids never move
    write_csv(source, ["n", "f", "color", "label"], rows + [[6, 3.0, "amber", 0]])
    plan = data_api.make_datasets(p, p.graph, batch_size=8, shuffle=False)
    assert p.data["bindings"]["x"]["categories"] == {"color": ["blue", "green", "red", "amber"]}
    x = batches(plan.train)[0][0]
    np.testing.assert_array_equal(x[:, 2], [2, 0, 1, 0, 2, 1, 3])


_TRAIN_ON_CSV = """
import resource, sys
import modelgraft as mg
from modelgraft import data_api

for path in sys.argv[1:]:
    p = mg.Project("csv")
    x = p.add_input("x", shape=(32,))
    head = p.add_node("dense", name="head", units=1)
    p.connect(x, head)
    p.connect(head, p.add_output("y", loss="mse"))
    data_api.bind_data(p, "x", path, key=[f"f{i}" for i in range(32)])
    data_api.bind_data(p, "y", path, key="t")
    history = p.train(epochs=1, batch_size=1024)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, history["loss"][0], flush=True)
"""


@pytest.mark.slow
def test_a_large_csv_trains_without_being_loaded_whole(tmp_path: Path) -> None:
    """Training on a 125 MB CSV raises the process's peak memory by less than half the file's
    size: the rows stream through tf.data. Loaded whole, the text alone would take the whole
    size; as a float32 array (53 MB) it would pass half of it together with what streaming
    itself costs here (≈ 45–55 MB of buffers and allocator growth, the same for 200,000 rows
    as for 400,000)."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    block = rng.normal(size=(1000, 33))
    text = "".join(",".join(f"{v:.6f}" for v in row) + "\n" for row in block)
    header = ",".join([f"f{i}" for i in range(32)] + ["t"]) + "\n"
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_text(header + text * 2)
    with open(large, "w") as f:
        f.write(header)
        for _ in range(400):  # 400,000 rows
            f.write(text)
    size = large.stat().st_size
    assert size > 120e6
    # the small file first: TensorFlow, the model and the pipeline reach their own peak
    out = subprocess.run([sys.executable, "-c", _TRAIN_ON_CSV, str(small), str(large)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    (peak_small, _), (peak_large, loss) = [map(float, line.split()) for line in out.stdout.split("\n")[:2]]
    assert np.isfinite(loss)
    assert peak_large - peak_small < 0.5 * size, (peak_small, peak_large, size)


def test_npy_is_memory_mapped_and_batches_are_read_from_the_file_when_iterated(tmp_path: Path) -> None:
    rows = 4096
    x = np.arange(rows * 4, dtype="float32").reshape(rows, 4)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, :1])
    p = dense_project()
    data_api.bind_data(p, "x", tmp_path / "x.npy")
    data_api.bind_data(p, "y", tmp_path / "y.npy")
    plan = data_api.make_datasets(p, p.graph, batch_size=16, shuffle=False)
    source = plan.feeds[0].train
    assert isinstance(source.array, np.memmap) and source.random_access
    # Change rows on disk after the plan exists: the batches see the new values, so they are
    # gathered from the mapped file batch by batch, not from a copy loaded up front.
    on_disk = np.load(tmp_path / "x.npy", mmap_mode="r+")
    on_disk[4000:4016] = -1.0
    on_disk.flush()
    got = batches(plan.train)
    assert len(got) == rows // 16 and got[0][0].shape == (16, 4)
    np.testing.assert_array_equal(got[0][0], x[:16])
    np.testing.assert_array_equal(got[250][0], -np.ones((16, 4)))


def npz_bound(folder: Path, rows: int, seed: int) -> tuple[mg.Project, np.ndarray, np.ndarray]:
    """A dense project bound to ``d.npz`` (arrays ``features`` (rows, 4) and ``targets`` (rows, 1))."""
    rng = np.random.default_rng(seed)
    features, targets = rng.normal(size=(rows, 4)).astype("float32"), rng.normal(size=(rows, 1))
    np.savez(folder / "d.npz", features=features, targets=targets)
    p = dense_project()
    data_api.bind_data(p, "x", folder / "d.npz", key="features")
    data_api.bind_data(p, "y", folder / "d.npz", key="targets")
    return p, features, targets


def test_npz_arrays_by_key(tmp_path: Path) -> None:
    p, features, targets = npz_bound(tmp_path, 10, seed=1)
    plan = data_api.make_datasets(p, p.graph, batch_size=10, shuffle=False)
    (x, y), = batches(plan.train)
    np.testing.assert_array_equal(x, features)
    np.testing.assert_allclose(y, targets)
    assert y.dtype == np.float32, "targets are cast to the output's dtype"


def _python_ops(dataset: Any) -> bool:
    """Whether the dataset's pipeline calls Python (a ``numpy_function``) for its batches."""
    return runtime.run(lambda: b"PyFunc" in dataset._as_serialized_graph().numpy())


def test_npz_batches_are_gathered_without_python_up_to_a_size(tmp_path: Path, monkeypatch: Any) -> None:
    from modelgraft.engine.data import sources

    p, features, _targets = npz_bound(tmp_path, 100, seed=2)
    in_graph = data_api.make_datasets(p, p.graph, batch_size=8, seed=3)
    assert not _python_ops(in_graph.train)
    monkeypatch.setattr(sources, "IN_GRAPH_BYTES", features.nbytes - 1)  # larger arrays: numpy_function
    through_python = data_api.make_datasets(p, p.graph, batch_size=8, seed=3)
    assert _python_ops(through_python.train)
    for (x1, y1), (x2, y2) in zip(batches(in_graph.train), batches(through_python.train), strict=True):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def test_an_image_folder_is_decoded_and_resized_with_class_ids(tmp_path: Path) -> None:
    def png(path: Path, color: tuple[int, int, int], size: tuple[int, int]) -> None:
        def encode() -> bytes:
            import tensorflow as tf

            return tf.io.encode_png(np.full((*size, 3), color, np.uint8)).numpy()

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(runtime.run(encode))

    for i in range(3):
        png(tmp_path / "images" / "cat" / f"{i}.png", (255, 0, 0), (12, 10))
        png(tmp_path / "images" / "dog" / f"{i}.png", (0, 0, 255), (5, 7))
    p = dense_project((8, 8, 3), units=2, loss="sparse_categorical_crossentropy")
    flat = p.add_node("flatten", name="flat")
    p.disconnect("head")
    p.connect("x", flat)
    p.connect(flat, "head")
    data_api.bind_data(p, "x", tmp_path / "images")
    data_api.bind_data(p, "y", tmp_path / "images")
    plan = data_api.make_datasets(p, p.graph, batch_size=6, shuffle=False)
    assert p.data["bindings"]["y"]["categories"] == {"class": ["cat", "dog"]}
    (x, y), = batches(plan.train)
    assert x.shape == (6, 8, 8, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(x[0], np.broadcast_to([255.0, 0.0, 0.0], (8, 8, 3)))
    np.testing.assert_allclose(x[5], np.broadcast_to([0.0, 0.0, 255.0], (8, 8, 3)))
    assert np.isfinite(fit(p, plan)["loss"][0])


# ---------------------------------------------------------------------------- binding errors


def test_binding_errors_name_the_binding_file_and_key(tmp_path: Path) -> None:
    p = dense_project()
    np.savez(tmp_path / "d.npz", a=np.zeros((3, 4)), b=np.zeros(3))
    write_csv(tmp_path / "t.csv", ["f0", "f1"], [[1, 2]])
    (tmp_path / "notes.txt").write_text("x")
    cases = [
        (("z", tmp_path / "t.csv"),
         "binding 'z': the graph has no input or output named 'z' (inputs: 'x'; outputs: 'y')"),
        (("head", tmp_path / "t.csv"),
         "binding 'head': node 'head' is a dense node; data binds to input and output nodes only"),
        (("x", tmp_path / "gone.npy"), f"binding 'x': data file '{tmp_path / 'gone.npy'}' does not exist"),
        (("x", tmp_path / "notes.txt"), "binding 'x': 'notes.txt' is not a supported data source"),
        (("x", tmp_path / "t.csv", "f9"), "binding 'x': 't.csv' has no column 'f9'; its columns: 'f0', 'f1'"),
        (("x", tmp_path / "d.npz", "c"),
         "binding 'x': 'd.npz' holds several arrays and it has no array 'c'; its arrays: 'a', 'b'"),
        (("x", tmp_path / "d.npz"),
         "binding 'x': 'd.npz' holds several arrays and no key was given; its arrays: 'a', 'b'"),
        (("x", tmp_path / "t.csv", 3), "binding 'x': key must be a column or array name"),
    ]
    for args, message in cases:
        with pytest.raises(DataError) as err:
            data_api.bind_data(p, *args)
        assert str(err.value).startswith(message), str(err.value)
    assert p.data == {}, "a refused binding changes nothing"


def test_unbound_nodes_row_counts_shapes_and_dtypes_are_checked(tmp_path: Path) -> None:
    p = dense_project()
    np.save(tmp_path / "x.npy", np.zeros((10, 4), "float32"))
    np.save(tmp_path / "x5.npy", np.zeros((10, 5), "float32"))
    np.save(tmp_path / "y.npy", np.zeros((8, 1), "float32"))
    data_api.bind_data(p, "x", tmp_path / "x.npy")
    with pytest.raises(DataError, match=r"^no data is bound to output 'y'; bind a source"):
        data_api.make_datasets(p, p.graph, 4)
    data_api.bind_data(p, "y", tmp_path / "y.npy")
    with pytest.raises(DataError) as err:
        data_api.make_datasets(p, p.graph, 4)
    assert str(err.value) == ("the training sources disagree on the number of rows: 'x.npy' (bound to "
                              "input 'x') has 10 rows but 'y.npy' (bound to output 'y') has 8")
    data_api.bind_data(p, "x", tmp_path / "x5.npy")
    with pytest.raises(DataError) as err:
        data_api.make_datasets(p, p.graph, 4)
    assert str(err.value) == "input 'x' expects rows of shape (None, 4) but 'x5.npy' gives (None, 5)"

    ids = dense_project((4,), units=3, loss="sparse_categorical_crossentropy")
    ids.graph.set_params("x", dtype="int32")
    data_api.bind_data(ids, "x", tmp_path / "x.npy")
    data_api.bind_data(ids, "y", tmp_path / "x.npy")
    with pytest.raises(DataError, match=r"^input 'x' expects int32 values but 'x\.npy' holds float32$"):
        data_api.make_datasets(ids, ids.graph, 4)
    np.save(tmp_path / "ids.npy", np.zeros((10, 4), "int64"))
    data_api.bind_data(ids, "x", tmp_path / "ids.npy")
    with pytest.raises(DataError, match=r"^output 'y' \(sparse_categorical_crossentropy\) needs one integer "
                                        r"class id per row, shape \(None,\) or \(None, 1\), but 'x\.npy' "
                                        r"gives float32 values of shape \(None, 4\)$"):
        data_api.make_datasets(ids, ids.graph, 4)


# ---------------------------------------------------------------------------- S10, splits


def test_two_inputs_from_two_sources_train_together(tmp_path: Path) -> None:
    """S10: a 100-vector from an NPY file and 32 side features from a CSV file."""
    rng = np.random.default_rng(2)
    n = 40
    np.save(tmp_path / "raw.npy", rng.normal(size=(n, 100)).astype("float32"))
    side = rng.normal(size=(n, 32)).round(3)
    names = [f"s{i}" for i in range(32)]
    write_csv(tmp_path / "b.csv", names + ["label"], [[*r, i % 3] for i, r in enumerate(side)])
    p = mg.Project("s10")
    raw, side_in = p.add_input("raw", shape=(100,)), p.add_input("side", shape=(32,))
    pre = p.add_node("dense", name="pre", units=16, activation="relu")
    cat = p.add_node("concatenate", name="cat")
    head = p.add_node("dense", name="head", units=3, activation="softmax")
    p.connect(raw, pre)
    p.connect(pre, cat)
    p.connect(side_in, cat)
    p.connect(cat, head)
    p.connect(head, p.add_output("label", loss="sparse_categorical_crossentropy"))
    data_api.bind_data(p, "raw", tmp_path / "raw.npy")
    data_api.bind_data(p, "side", tmp_path / "b.csv", key=names)
    data_api.bind_data(p, "label", tmp_path / "b.csv", key="label")
    data_api.set_validation(p, 0.25, seed=4)
    plan = data_api.make_datasets(p, p.graph, batch_size=8)
    assert (plan.train_rows, plan.validation_rows, plan.steps_per_epoch) == (30, 10, 4)
    x, _ = batches(plan.train)[0]
    assert set(x) == {"raw", "side"} and x["raw"].shape == (8, 100) and x["side"].shape == (8, 32)
    history = fit(p, plan, epochs=2)
    assert len(history["loss"]) == 2 and len(history["val_loss"]) == 2


def test_the_validation_split_is_seeded_and_disjoint(tmp_path: Path) -> None:
    train, held = split_rows(50, 0.2, seed=3)
    again = split_rows(50, 0.2, seed=3)
    other = split_rows(50, 0.2, seed=4)
    assert len(held) == 10 and not set(train) & set(held) and sorted({*train, *held}) == list(range(50))
    np.testing.assert_array_equal(held, again[1])
    assert set(held) != set(other[1])

    # The held-out rows really are those rows, whether gathered by index (NPY) or streamed (CSV).
    ids = np.arange(50, dtype="float32")
    np.save(tmp_path / "x.npy", np.repeat(ids[:, None], 4, axis=1))
    write_csv(tmp_path / "y.csv", ["id"], [[i] for i in range(50)])
    np.save(tmp_path / "y.npy", ids[:, None])
    for target in (tmp_path / "y.npy", tmp_path / "y.csv"):
        p = dense_project()
        data_api.bind_data(p, "x", tmp_path / "x.npy")
        data_api.bind_data(p, "y", target, key="id" if target.suffix == ".csv" else None)
        data_api.set_validation(p, 0.2, seed=3)
        plan = data_api.make_datasets(p, p.graph, batch_size=7)
        val = np.concatenate([b[1] for b in batches(plan.validation)]).ravel()
        seen = np.concatenate([b[1] for b in batches(plan.train)]).ravel()
        np.testing.assert_array_equal(val, held)
        np.testing.assert_array_equal(np.sort(seen), train)
        assert (plan.train_rows, plan.validation_rows) == (40, 10)


def test_separate_validation_sources(tmp_path: Path) -> None:
    for name, n in (("x", 12), ("xv", 5)):
        np.save(tmp_path / f"{name}.npy", np.ones((n, 4), "float32"))
        np.save(tmp_path / f"{name}_y.npy", np.ones((n, 1), "float32"))
    p = dense_project()
    data_api.bind_data(p, "x", tmp_path / "x.npy", validation=tmp_path / "xv.npy")
    data_api.bind_data(p, "y", tmp_path / "x_y.npy")
    with pytest.raises(DataError, match=r"^binding 'x' has a separate validation source but binding 'y' "
                                        r"has none"):
        data_api.make_datasets(p, p.graph, 4)
    data_api.bind_data(p, "y", tmp_path / "x_y.npy", validation=tmp_path / "xv_y.npy")
    plan = data_api.make_datasets(p, p.graph, 4)
    assert (plan.train_rows, plan.validation_rows, plan.validation_steps) == (12, 5, 2)


# ---------------------------------------------------------------------------- statistics (S11)


def _train_vs_validation(tmp_path: Path, p: mg.Project, how: str) -> None:
    """Bind x: training rows ~ N(0, 1), validation rows ~ N(100, 1)."""
    rng = np.random.default_rng(5)
    n, held = 400, 100
    if how == "separate":
        np.save(tmp_path / "x.npy", rng.normal(0, 1, (n - held, 4)).astype("float32"))
        np.save(tmp_path / "xv.npy", rng.normal(100, 1, (held, 4)).astype("float32"))
        np.save(tmp_path / "y.npy", np.zeros((n - held, 1), "float32"))
        np.save(tmp_path / "yv.npy", np.zeros((held, 1), "float32"))
        data_api.bind_data(p, "x", tmp_path / "x.npy", validation=tmp_path / "xv.npy")
        data_api.bind_data(p, "y", tmp_path / "y.npy", validation=tmp_path / "yv.npy")
        return
    x = rng.normal(0, 1, (n, 4))
    _, held_rows = split_rows(n, held / n, seed=9)
    x[held_rows] = rng.normal(100, 1, (held, 4))
    np.save(tmp_path / "x.npy", x.astype("float32"))
    np.save(tmp_path / "y.npy", np.zeros((n, 1), "float32"))
    data_api.bind_data(p, "x", tmp_path / "x.npy")
    data_api.bind_data(p, "y", tmp_path / "y.npy")
    data_api.set_validation(p, held / n, seed=9)


@pytest.mark.parametrize("how", ["split", "separate"])
def test_statistics_are_fitted_on_the_training_rows_only(tmp_path: Path, how: str) -> None:
    for mode in ("standardize", "minmax"):
        p = dense_project(normalize={"mode": mode})
        _train_vs_validation(tmp_path, p, how)
        plan = data_api.make_datasets(p, p.graph, batch_size=32)
        assert plan.validation_rows == 100
        stats = data_api.fit_statistics(p, p.graph, plan)["norm"]
        if mode == "standardize":
            assert np.all(np.abs(stats["mean"]) < 0.2), stats  # all rows would give ≈ 25
            assert np.all(np.abs(np.array(stats["variance"]) - 1) < 0.25), stats
        else:
            assert np.all(np.array(stats["maximum"]) < 5), stats  # validation rows reach ≈ 100
            assert np.all(np.array(stats["minimum"]) > -5), stats


def test_fitted_statistics_are_saved_exported_and_never_overwrite_given_ones(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(3, 2, (256, 4)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, :1])
    p = dense_project(normalize={"mode": "standardize", "mean": 10.0})
    data_api.bind_data(p, "x", tmp_path / "x.npy")
    data_api.bind_data(p, "y", tmp_path / "y.npy")
    model = p.build()
    plan = data_api.make_datasets(p, p.graph, batch_size=50)
    stats = data_api.fit_statistics(p, p.graph, plan)
    assert set(stats["norm"]) == {"variance"}, "the given mean is not fitted"
    assert p["norm"].params["mean"] == 10.0
    np.testing.assert_allclose(p["norm"].params["variance"], x.astype("float64").var(axis=0), rtol=1e-6)
    weights = runtime.run(lambda: [w.numpy() for w in model.get_layer("norm").weights])
    np.testing.assert_allclose(weights[1], x.var(axis=0), rtol=1e-5)  # the built model has them too
    assert data_api.fit_statistics(p, p.graph, plan) == {}, "nothing left to fit"

    p.save(tmp_path / "p.mgraft")
    loaded = mg.Project.load(tmp_path / "p.mgraft")
    assert loaded["norm"].params == p["norm"].params
    assert loaded.data == p.data

    p.export(tmp_path / "m.keras", format="keras")

    def reload() -> tuple[Any, Any]:
        import keras
        from modelgraft.engine.layers import register_custom_layers

        register_custom_layers()
        again = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
        probe = x[:8]
        return again.get_layer("norm").get_weights(), (again(probe).numpy(), model(probe).numpy())

    (mean, variance), (exported, built) = runtime.run(reload)
    np.testing.assert_allclose(mean, 10.0)
    np.testing.assert_allclose(variance, x.var(axis=0), rtol=1e-5)
    np.testing.assert_allclose(exported, built, rtol=1e-5, atol=1e-6)


def test_statistics_see_upstream_layers_and_chained_normalizers_fit_in_order(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(1, 3, (300, 4)).astype("float32")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, :1])
    p = mg.Project("chain")
    scale = p.add_node("rescale", name="scale", scale=2.0, offset=5.0)
    first = p.add_node("normalize", name="first", mode="minmax")
    second = p.add_node("normalize", name="second")
    head = p.add_node("dense", name="head", units=1)
    for a, b in zip([p.add_input("x", shape=(4,)), scale, first, second, head],
                    [scale, first, second, head, p.add_output("y")]):
        p.connect(a, b)
    data_api.bind_data(p, "x", tmp_path / "x.npy")
    data_api.bind_data(p, "y", tmp_path / "y.npy")
    plan = data_api.make_datasets(p, p.graph, batch_size=64)
    stats = data_api.fit_statistics(p, p.graph, plan)
    scaled = x.astype("float64") * 2 + 5
    np.testing.assert_allclose(stats["first"]["minimum"], scaled.min(axis=0), rtol=1e-5)
    np.testing.assert_allclose(stats["first"]["maximum"], scaled.max(axis=0), rtol=1e-5)
    unit = (scaled - scaled.min(axis=0)) / (scaled.max(axis=0) - scaled.min(axis=0))
    np.testing.assert_allclose(stats["second"]["mean"], unit.mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(stats["second"]["variance"], unit.var(axis=0), rtol=1e-4)
    assert np.isfinite(fit(p, plan)["loss"][0])
