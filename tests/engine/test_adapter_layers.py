"""The Keras layers behind adapter nodes agree with the pure rules, compute, save and rebuild."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelgraft.core.errors import ParamError, ShapeError
from modelgraft.core.spec import DTYPES, TensorSpec
from modelgraft.engine import custom_layers
from modelgraft.engine.adapter_layers import BUILDERS
from modelgraft.engine.runtime import keras as _keras
from modelgraft.nodes import CATALOG
from modelgraft.nodes.adapters import CAST_DTYPES, INTERPOLATIONS

keras = _keras()
ADAPTERS = [k.name for k in CATALOG.kinds("adapter")]
DIM = st.sampled_from([None, 1, 1, 2, 3, 4, 6])
_names = itertools.count()


def build(kind: str, params: dict[str, Any]) -> Any:
    """A fresh layer for ``kind`` (raw params are normalised first) with a unique name."""
    return BUILDERS[kind](CATALOG.normalize_params(kind, params), f"{kind}_{next(_names)}").layer


# --- the property-based cross-check --------------------------------------------------------


def _stat(draw: st.DrawFn, features: int | None) -> Any:
    sizes = [1, 3] if features is None else [1, features, features, features + 1]
    return draw(st.one_of(st.none(), st.floats(0.5, 4.0),
                          st.sampled_from(sizes).flatmap(lambda n: st.lists(st.floats(0.5, 4.0),
                                                                            min_size=n, max_size=n))))


def _axis_of(draw: st.DrawFn, shape: list[int | None]) -> tuple[int, int]:
    """A sample-axis index of ``shape`` and a Keras axis naming it (now and then an invalid one)."""
    index = draw(st.integers(0, len(shape) - 1))
    axis = draw(st.sampled_from([index + 1, index + 1, index - len(shape), index - len(shape),
                                 len(shape) + 1]))
    return index, axis


@st.composite
def cases(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], TensorSpec]:
    """Raw parameters and an input spec for ``kind``: mostly valid, sometimes not."""
    shape = [draw(DIM) for _ in range(draw(st.sampled_from([0, 1, 1, 2, 2, 3, 4])))]
    dtype = draw(st.sampled_from(DTYPES))
    if kind == "reshape":
        target = draw(st.one_of(
            st.lists(st.sampled_from([-1, 1, 2, 3, 4, 6]), max_size=3),
            st.permutations([d or -1 for d in shape]).map(list)))
        params: dict[str, Any] = {"target_shape": target}
    elif kind == "expand_dims":
        reach = len(shape) + 2  # one position beyond the valid ones on each side
        params = {"axis": draw(st.integers(-reach, reach).filter(bool))}  # 0 is the batch axis
    elif kind == "squeeze":
        shape = shape or [1]
        index, axis_ = _axis_of(draw, shape)
        shape[index] = draw(st.sampled_from([1, 1, 1, 1, None, 2]))
        params = {"axis": axis_}
    elif kind == "permute":
        rank = draw(st.sampled_from([len(shape), len(shape), len(shape) + 1]))
        params = {"dims": draw(st.permutations(list(range(1, rank + 1))))}
    elif kind == "cast":
        params = {"dtype": draw(st.sampled_from(CAST_DTYPES))}
    elif kind == "normalize":
        shape = shape or [draw(DIM)]
        index, axis_ = _axis_of(draw, shape)
        features = shape[index]
        params = {"mode": draw(st.sampled_from(["standardize", "minmax"])), "axis": axis_}
        dtype = draw(st.sampled_from(["float32", "float16", "uint8", "int64", dtype]))
        params["mean"], params["variance"] = _stat(draw, features), _stat(draw, features)
        params["minimum"], params["maximum"] = _stat(draw, features), draw(st.sampled_from([None, 5.0]))
    elif kind == "rescale":
        params = {"scale": draw(st.floats(-3, 3)), "offset": draw(st.floats(-3, 3))}
    elif kind == "pad":
        shape = shape or [draw(DIM)]
        dtype = draw(st.sampled_from(["float32", "int32", "float16", "uint8", "bool", dtype]))
        params = {"length": draw(st.integers(1, 8)), "value": draw(st.sampled_from([0, 0, 1, -1, 0.5])),
                  "axis": draw(st.sampled_from([1, 1, -1, len(shape)])),
                  "truncate": draw(st.sampled_from(["post", "pre"])),
                  "side": draw(st.sampled_from(["post", "pre"])), "mask": draw(st.booleans())}
    elif kind == "slice":
        shape = shape or [draw(DIM)]
        params = {"axis": _axis_of(draw, shape)[1], "start": draw(st.integers(-3, 3)),
                  "stop": draw(st.sampled_from([None, None, -1, 2, 4, 7]))}
    elif kind == "dense":
        params = {"units": draw(st.integers(1, 5)), "use_bias": draw(st.booleans()),
                  "activation": draw(st.sampled_from(["linear", "relu", "softmax", "gelu"]))}
        dtype = draw(st.sampled_from(["float32", "float16", "float64", dtype]))
    elif kind == "embedding":
        params = {"input_dim": draw(st.integers(1, 9)), "output_dim": draw(st.integers(1, 4)),
                  "mask_zero": draw(st.booleans())}
        dtype = draw(st.sampled_from(["int32", "int64", "uint8", dtype]))
    elif kind == "one_hot":
        params = {"depth": draw(st.integers(1, 5))}
        dtype = draw(st.sampled_from(["int32", "int64", "uint8", "int16", dtype]))
    elif kind == "resize":
        params = {"height": draw(st.integers(1, 6)), "width": draw(st.integers(1, 6)),
                  "interpolation": draw(st.sampled_from(INTERPOLATIONS))}
        if draw(st.booleans()):
            shape = [draw(DIM), draw(DIM), draw(DIM)]
    else:
        params = {}
    return params, TensorSpec(tuple(shape), dtype)


def cross_check(kind: str, raw: dict[str, Any], spec: TensorSpec) -> str:
    """Run the rule; if it accepts, the Keras layer must produce exactly its output spec."""
    try:
        params = CATALOG.normalize_params(kind, raw)
    except ParamError:
        return "bad params"
    try:
        (out,) = CATALOG.infer(kind, params, [spec])
    except ShapeError:
        return "refused"
    assert out is not None
    layer = BUILDERS[kind](params, f"{kind}_{next(_names)}").layer
    result = layer(keras.Input(shape=spec.shape, dtype=spec.dtype))
    got = TensorSpec(tuple(result.shape[1:]), keras.backend.standardize_dtype(result.dtype))
    assert got == TensorSpec(out.shape, out.dtype), f"{kind} {params} on {spec}: rule {out}, Keras {got}"
    return "checked"


@pytest.mark.parametrize("kind", ADAPTERS)
def test_rule_matches_the_keras_layer(kind: str) -> None:
    outcomes: Counter[str] = Counter()

    @settings(max_examples=30, deadline=None)
    @given(case=cases(kind))
    def check(case: tuple[dict[str, Any], TensorSpec]) -> None:
        outcomes[cross_check(kind, *case)] += 1

    check()
    assert outcomes["checked"] >= 6, outcomes  # the check really reached Keras


def test_every_adapter_kind_has_a_builder() -> None:
    assert sorted(BUILDERS) == sorted(ADAPTERS)


# --- what the layers compute --------------------------------------------------------------


@pytest.mark.parametrize(("truncate", "side"), list(itertools.product(["post", "pre"], repeat=2)))
@pytest.mark.parametrize("n", [2, 5, 7])
def test_pad_pads_or_truncates_each_call_to_the_same_length(truncate: str, side: str, n: int) -> None:
    layer = build("pad", {"length": 5, "value": -1, "truncate": truncate, "side": side, "mask": True})
    x = np.arange(1, n + 1, dtype="int32").reshape(1, n) * np.array([[1], [10]], "int32")
    if n > 5:
        keep = x[:, :5] if truncate == "post" else x[:, -5:]
    else:
        fill = np.full((2, 5 - n), -1, "int32")
        keep = np.concatenate([x, fill] if side == "post" else [fill, x], axis=1)
    np.testing.assert_array_equal(np.asarray(layer(x)), keep)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), keep != -1)


def test_pad_mask_reaches_masking_aware_layers_downstream(tmp_path: Path) -> None:
    ids = keras.Input(shape=(None,), dtype="int32")
    padded = build("pad", {"length": 4, "mask": True})(ids)
    assert padded._keras_mask is not None and tuple(padded._keras_mask.shape) == (None, 4)
    hot = build("one_hot", {"depth": 3})(padded)
    model = keras.Model(ids, keras.layers.GlobalAveragePooling1D()(hot))
    # Two real positions (ids 1 and 2) padded to four: the average ignores the padding.
    batch = np.array([[1, 2]], "int32")
    np.testing.assert_allclose(model.predict(batch, verbose=0), [[0, 0.5, 0.5]])
    model.save(tmp_path / "masked.keras")
    loaded = keras.saving.load_model(tmp_path / "masked.keras", compile=False, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(batch, verbose=0), [[0, 0.5, 0.5]])


def test_pad_combines_an_incoming_mask_with_its_own() -> None:
    layer = build("pad", {"length": 4, "side": "pre", "mask": True})
    x = np.array([[5, 6, 0], [7, 0, 0]], "int32")
    mask = x != 0
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x, mask)),
                                  [[False, True, True, False], [False, True, False, False]])
    assert build("pad", {"length": 4}).compute_mask(x, mask) is None


def test_time_step_masks_follow_slices_and_vanish_when_the_time_axis_moves() -> None:
    ids = keras.Input(shape=(None,), dtype="int32")
    vectors = keras.layers.Embedding(10, 2, mask_zero=True)(ids)
    assert len(build("slice", {"start": 1, "stop": 3})(vectors)._keras_mask.shape) == 2
    assert build("slice", {"axis": 2, "start": 1})(vectors)._keras_mask is not None
    assert build("expand_dims", {"axis": -1})(vectors)._keras_mask is not None
    assert getattr(build("expand_dims", {"axis": 1})(vectors), "_keras_mask", None) is None
    x = np.array([[3, 0, 4, 0]], "int32")
    mask = x != 0
    np.testing.assert_array_equal(np.asarray(build("slice", {"start": -3}).compute_mask(x, mask)),
                                  [[False, True, False]])
    assert build("squeeze", {"axis": 1}).compute_mask(x[:, :1], mask[:, :1]) is None


@pytest.mark.parametrize(("start", "stop"), [(0, None), (2, 5), (-3, None), (1, -1), (-10, 3), (3, 100)])
def test_slice_computes_python_slices(start: int, stop: int | None) -> None:
    x = np.arange(14, dtype="float32").reshape(2, 7)
    layer = build("slice", {"start": start, "stop": stop})
    np.testing.assert_array_equal(np.asarray(layer(x)), x[:, start:stop])


def test_cast_converts_integers_and_floats() -> None:
    x = np.array([[1.7, -2.2, 300.0]], "float32")
    assert np.asarray(build("cast", {"dtype": "int32"})(x)).tolist() == [[1, -2, 300]]
    ints = np.array([[1, 2]], "int64")
    out = build("cast", {"dtype": "float16"})(ints)
    assert keras.backend.standardize_dtype(out.dtype) == "float16"
    flags = build("cast", {"dtype": "bool"})(np.array([[0, 3]], "int32"))
    assert np.asarray(flags).tolist() == [[False, True]]


def test_one_hot_and_shape_layers_keep_values() -> None:
    assert np.asarray(build("one_hot", {"depth": 3})(np.array([[2, 0, 5]], "uint8"))).tolist() == \
        [[[0, 0, 1], [1, 0, 0], [0, 0, 0]]]
    x = np.arange(6, dtype="float16").reshape(1, 2, 3)
    for kind, params, expected in [("reshape", {"target_shape": [3, -1]}, x.reshape(1, 3, 2)),
                                   ("flatten", {}, x.reshape(1, 6)),
                                   ("permute", {"dims": [2, 1]}, x.transpose(0, 2, 1)),
                                   ("expand_dims", {"axis": 2}, x[:, :, None, :]),
                                   ("squeeze", {"axis": 1}, x[:, :1].reshape(1, 3))]:
        source = x[:, :1] if kind == "squeeze" else x
        out = build(kind, params)(source)
        assert keras.backend.standardize_dtype(out.dtype) == "float16", kind
        np.testing.assert_array_equal(np.asarray(out), expected)


def test_normalize_starts_as_identity_and_takes_fitted_statistics() -> None:
    x = np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]], "float32")
    layer = build("normalize", {})
    np.testing.assert_allclose(np.asarray(layer(x)), x)
    layer.set_statistics(mean=[2.0, 4.0, 6.0], variance=[1.0, 4.0, 9.0])
    np.testing.assert_allclose(np.asarray(layer(x)), [[-1, -1, -1], [1, 1, 1]])
    assert layer.get_config()["mean"] == [2.0, 4.0, 6.0]
    with pytest.raises(ValueError, match="mean has 2 values but the layer normalizes 3 features"):
        layer.set_statistics(mean=[1.0, 2.0])
    with pytest.raises(ValueError, match="standardize takes mean and variance, not minimum"):
        layer.set_statistics(minimum=0.0)


def test_normalize_minmax_along_an_inner_axis_with_integer_input() -> None:
    layer = build("normalize", {"mode": "minmax", "minimum": [0, 10], "maximum": 20, "axis": 1})
    x = np.array([[[0, 10], [20, 20]]], "uint8")
    out = layer(x)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    np.testing.assert_allclose(np.asarray(out), [[[0, 0.5], [1, 1]]])  # rows are the features


# --- saving, reloading and the source expressions ---------------------------------------------

# (kind, params, input spec, sample batch)
SAVED = [
    ("reshape", {"target_shape": [3, 2]}, TensorSpec((6,), "float16"), np.arange(12).reshape(2, 6)),
    ("flatten", {}, TensorSpec((2, 3), "float64"), np.arange(12).reshape(2, 2, 3)),
    ("permute", {"dims": [2, 1]}, TensorSpec((2, 3)), np.arange(12).reshape(2, 2, 3)),
    ("expand_dims", {"axis": 1}, TensorSpec((3,), "int32"), np.arange(6).reshape(2, 3)),
    ("squeeze", {"axis": -1}, TensorSpec((3, 1)), np.arange(6).reshape(2, 3, 1)),
    ("slice", {"start": 1, "stop": -1}, TensorSpec((None,)), np.arange(10).reshape(2, 5)),
    ("cast", {"dtype": "uint8"}, TensorSpec((3,)), np.arange(6).reshape(2, 3) * 1.5),
    ("one_hot", {"depth": 4}, TensorSpec((3,), "int32"), np.arange(6).reshape(2, 3) % 4),
    ("pad", {"length": 6, "value": 9, "mask": True, "side": "pre"}, TensorSpec((None,), "int64"),
     np.arange(8).reshape(2, 4)),
    ("normalize", {"mean": [1, 2, 3], "variance": 4}, TensorSpec((3,), "uint8"), np.arange(6).reshape(2, 3)),
]


@pytest.mark.parametrize(("kind", "params", "spec", "batch"), SAVED, ids=[c[0] for c in SAVED])
def test_custom_layer_survives_a_keras_file_in_safe_mode(kind: str, params: dict[str, Any], spec: TensorSpec,
                                                         batch: np.ndarray, tmp_path: Path) -> None:
    built = BUILDERS[kind](CATALOG.normalize_params(kind, params), f"{kind}_node")
    assert built.source.startswith("mgl."), "a stock layer needs no save test of its own"
    x = keras.Input(shape=spec.shape, dtype=spec.dtype)
    model = keras.Model(x, built.layer(x))
    if kind == "normalize":
        built.layer.set_statistics(mean=[0.0, 1.0, 2.0])  # fitted after building: must be saved
    data = batch.astype(spec.dtype)
    path = tmp_path / f"{kind}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False, safe_mode=True)
    again = loaded.get_layer(f"{kind}_node")
    assert type(again) is type(built.layer)
    assert again.get_config() == built.layer.get_config()
    want, got = model(data), loaded(data)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_every_custom_layer_class_is_covered_by_the_save_test() -> None:
    covered = {BUILDERS[kind](CATALOG.normalize_params(kind, params), "n").source.split("(")[0]
               for kind, params, _, _ in SAVED}
    merge_layers = {"Stack"}  # saved and reloaded in test_merge_layers.py
    assert covered == {f"mgl.{name}" for name in custom_layers.__all__ if name not in merge_layers}


SOURCES = [
    ("reshape", {"target_shape": [1, -1]}), ("flatten", {}), ("expand_dims", {"axis": -1}),
    ("squeeze", {"axis": 2}), ("permute", {"dims": [3, 1, 2]}), ("cast", {"dtype": "bfloat16"}),
    ("normalize", {"mode": "minmax", "minimum": [0.0, 1.0], "maximum": 255, "axis": 2}),
    ("rescale", {"scale": 1 / 255, "offset": -0.5}),
    ("pad", {"length": 7, "value": -1.5, "truncate": "pre", "side": "pre", "mask": True}),
    ("slice", {"axis": -1, "start": -3, "stop": None}),
    ("dense", {"units": 16, "activation": "gelu", "use_bias": False}),
    ("embedding", {"input_dim": 1000, "output_dim": 32, "mask_zero": True}),
    ("one_hot", {"depth": 12}), ("resize", {"height": 224, "width": 160, "interpolation": "area"}),
]


@pytest.mark.parametrize(("kind", "params"), SOURCES, ids=[c[0] for c in SOURCES])
def test_source_expression_builds_the_same_layer(kind: str, params: dict[str, Any]) -> None:
    built = BUILDERS[kind](CATALOG.normalize_params(kind, params), f"my_{kind}")
    again = eval(built.source, {"keras": keras, "mgl": custom_layers})  # noqa: S307 - our own source
    assert type(again) is type(built.layer)
    assert again.name == f"my_{kind}"
    assert again.get_config() == built.layer.get_config()


def test_sources_cover_every_kind() -> None:
    assert sorted(kind for kind, _ in SOURCES) == sorted(ADAPTERS)
