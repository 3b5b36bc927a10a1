"""The adapter kinds' pure shape rules, their messages and their parameter checks."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from modelgraft.core.errors import ParamError, ShapeError
from modelgraft.core.spec import TensorSpec
from modelgraft.nodes import CATALOG, get_kind

ADAPTERS = ("reshape", "flatten", "expand_dims", "squeeze", "permute", "cast", "normalize", "rescale",
            "pad", "slice", "dense", "embedding", "one_hot", "resize")


def infer(kind: str, params: dict[str, Any], shape: tuple[int | None, ...], dtype: str = "float32",
          ragged: bool = False) -> TensorSpec:
    """Normalise ``params`` and run the kind's rule on one input spec."""
    normalized = CATALOG.normalize_params(kind, params)
    (out,) = CATALOG.infer(kind, normalized, [TensorSpec(shape, dtype, ragged)])
    assert out is not None
    return out


def shape_error(kind: str, params: dict[str, Any], shape: tuple[int | None, ...],
                dtype: str = "float32") -> str:
    """The message of the ShapeError the rule raises."""
    with pytest.raises(ShapeError) as info:
        infer(kind, params, shape, dtype)
    assert info.value.port == 0
    return str(info.value)


def param_error(kind: str, params: dict[str, Any]) -> ParamError:
    with pytest.raises(ParamError) as info:
        CATALOG.normalize_params(kind, params, node="n")
    assert str(info.value).startswith(f"'n' ({kind}): ")
    return info.value


def test_every_adapter_kind_is_registered_with_title_doc_and_one_port_each_way() -> None:
    kinds = {k.name: k for k in CATALOG.kinds("adapter")}
    assert set(ADAPTERS) <= set(kinds)
    for name in ADAPTERS:
        k = kinds[name]
        assert k.title and len(k.doc) > 60, name
        assert len(k.inputs({})) == 1 and k.outputs({}) == ["output"]
        assert k.trainable == (name in ("dense", "embedding"))


def test_importing_the_adapter_rules_does_not_import_tensorflow() -> None:
    code = ("import sys, modelgraft.nodes.adapters; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- reshape / flatten ---------------------------------------------------------------------


@pytest.mark.parametrize(("target", "shape", "expected"), [
    ((3, 4), (12,), (3, 4)),
    ((-1, 4), (2, 6), (3, 4)),
    ((-1,), (2, 3, 2), (12,)),
    ((1, 128), (128,), (1, 128)),
    ((3, 4), (None,), (3, 4)),
    ((-1, 4), (None, 8), (None, 4)),
    ((), (1,), ()),
])
def test_reshape(target: tuple[int, ...], shape: tuple[int | None, ...],
                 expected: tuple[int | None, ...]) -> None:
    assert infer("reshape", {"target_shape": target}, shape, "float16") == TensorSpec(expected, "float16")


def test_reshape_messages_name_both_shapes_and_counts() -> None:
    assert shape_error("reshape", {"target_shape": [3, 4]}, (10,)) == \
        "cannot reshape (None, 10) into (None, 3, 4): 10 values per sample vs 12"
    assert shape_error("reshape", {"target_shape": [-1, 4]}, (10,)) == \
        "cannot reshape (None, 10) into (None, None, 4): 10 values per sample do not divide into groups of 4"


@pytest.mark.parametrize(("target", "words"), [((3, 0), "has a 0"), ((-1, -1), "more than one -1"),
                                                ((-2, 3), "at least -1")])
def test_reshape_target_shape_is_checked(target: tuple[int, ...], words: str) -> None:
    err = param_error("reshape", {"target_shape": target})
    assert words in str(err) and err.field == "target_shape"


def test_reshape_requires_a_target_shape() -> None:
    assert "'target_shape' is required" in str(param_error("reshape", {}))


@pytest.mark.parametrize(("shape", "expected"), [((2, 3, 4), (24,)), ((None, 3), (None,)), ((5,), (5,)),
                                                 ((), (1,))])
def test_flatten(shape: tuple[int | None, ...], expected: tuple[int | None, ...]) -> None:
    assert infer("flatten", {}, shape, "int32") == TensorSpec(expected, "int32")


def test_shape_adapters_clear_ragged_once_no_axis_varies() -> None:
    assert infer("flatten", {}, (None, 3), ragged=True).ragged
    assert not infer("pad", {"length": 20}, (None, 3), ragged=True).ragged
    assert infer("expand_dims", {"axis": -1}, (None,), ragged=True).ragged


# --- expand_dims / squeeze / permute ---------------------------------------------------------


@pytest.mark.parametrize(("axis", "expected"), [(1, (1, 10, 3)), (2, (10, 1, 3)), (3, (10, 3, 1)),
                                                (-1, (10, 3, 1)), (-3, (1, 10, 3))])
def test_expand_dims(axis: int, expected: tuple[int, ...]) -> None:
    assert infer("expand_dims", {"axis": axis}, (10, 3)).shape == expected


def test_expand_dims_out_of_range_names_the_valid_positions() -> None:
    assert shape_error("expand_dims", {"axis": 4}, (10, 3)) == \
        "cannot insert an axis at 4 into (None, 10, 3): the new axis can go at 1 to 3 (or -1 to -3)"
    assert "-1 to -3" in shape_error("expand_dims", {"axis": -4}, (10, 3))


@pytest.mark.parametrize("kind", ["expand_dims", "squeeze", "normalize", "slice", "pad"])
def test_axis_zero_is_the_batch_axis_and_refused(kind: str) -> None:
    params = {"length": 3} if kind == "pad" else {}
    err = param_error(kind, {**params, "axis": 0})
    assert "batch axis" in str(err) and err.field == "axis"


def test_squeeze() -> None:
    assert infer("squeeze", {"axis": -1}, (10, 1)) == TensorSpec((10,))
    assert infer("squeeze", {"axis": 1}, (1, None), "bool") == TensorSpec((None,), "bool")


def test_squeeze_names_the_axis_and_its_length() -> None:
    assert shape_error("squeeze", {"axis": 2}, (10, 3)) == \
        "cannot squeeze axis 2 of (None, 10, 3): it has length 3, squeeze removes only an axis of length 1"
    assert "unknown length" in shape_error("squeeze", {"axis": -1}, (10, None))
    assert shape_error("squeeze", {"axis": 3}, (10, 1)) == \
        "axis 3 does not exist in the input (None, 10, 1): squeeze takes axes 1 to 2 (or -1 to -2)"
    assert "no" in shape_error("squeeze", {}, ())


def test_permute() -> None:
    assert infer("permute", {"dims": [2, 1]}, (3, 5)) == TensorSpec((5, 3))
    assert infer("permute", {"dims": [3, 1, 2]}, (None, 4, 5), "uint8") == TensorSpec((5, None, 4), "uint8")
    assert shape_error("permute", {"dims": [2, 1]}, (3, 5, 7)) == \
        "permute dims (2, 1) name 2 axes, but the input (None, 3, 5, 7) has 3 sample axes"


@pytest.mark.parametrize("dims", [(1, 1), (1, 3), (0, 1), ()])
def test_permute_dims_must_be_a_permutation(dims: tuple[int, ...]) -> None:
    assert param_error("permute", {"dims": dims}).field == "dims"


# --- cast / normalize / rescale ---------------------------------------------------------------


def test_cast_changes_only_the_dtype() -> None:
    assert infer("cast", {"dtype": "int8"}, (None, 3), "float32", ragged=True) == \
        TensorSpec((None, 3), "int8", True)
    assert "text" in shape_error("cast", {"dtype": "float32"}, (3,), "string")
    assert param_error("cast", {"dtype": "string"}).field == "dtype"


def test_normalize_outputs_float32_whatever_the_input() -> None:
    for dtype in ("uint8", "float16", "float64", "int32"):
        assert infer("normalize", {}, (4, 3), dtype) == TensorSpec((4, 3), "float32")
    assert infer("normalize", {"mean": [0, 1, 2], "variance": 4}, (None, 3)).shape == (None, 3)
    assert infer("normalize", {"mode": "minmax", "minimum": [0, 0], "axis": 1}, (2, 9)).shape == (2, 9)
    assert infer("normalize", {"mean": [0, 1, 2]}, (None,)).shape == (3,)
    assert infer("normalize", {"mean": 1.0, "variance": [2.0]}, (None,)).shape == (None,)


def test_normalize_statistics_must_match_the_feature_axis() -> None:
    assert shape_error("normalize", {"mean": [0, 1, 2]}, (10, 4)) == \
        "parameter 'mean' has 3 values but axis 2 of the input (None, 10, 4) has 4 features"
    assert "axis 1" in shape_error("normalize", {"mode": "minmax", "maximum": [1, 2], "axis": 1}, (3, 2))
    assert "text" in shape_error("normalize", {}, (3,), "string")
    assert "besides the batch axis" in shape_error("normalize", {}, ())


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"variance": -1.0}, "variance", "must not be negative"),
    ({"variance": [1, -0.5]}, "variance", "must not be negative"),
    ({"mode": "minmax", "minimum": 1, "maximum": 1}, "maximum", "greater than 'minimum', got 1 <= 1"),
    ({"mode": "minmax", "minimum": [0, 5], "maximum": 3}, "maximum", "(feature 1)"),
    ({"mean": [0, 1], "variance": [1, 1, 1]}, "variance", "same length, got 2 and 3"),
    ({"mean": []}, "mean", "empty list"),
    ({"mode": "zscore"}, "mode", "must be one of standardize, minmax"),
    ({"mean": "a lot"}, "mean", "must be a list"),
])
def test_normalize_parameters_are_checked(params: dict[str, Any], field: str, words: str) -> None:
    err = param_error("normalize", params)
    assert err.field == field and words in str(err)


def test_normalize_ignores_the_statistics_of_the_other_mode() -> None:
    params = CATALOG.normalize_params("normalize", {"mode": "minmax", "mean": [1, 2, 3], "minimum": 0})
    assert infer("normalize", params, (5,)).shape == (5,)


def test_rescale() -> None:
    assert infer("rescale", {"scale": 1 / 255}, (32, 32, 3), "uint8") == TensorSpec((32, 32, 3), "float32")
    assert CATALOG.normalize_params("rescale", {}) == {"scale": 1.0, "offset": 0.0}
    assert "text" in shape_error("rescale", {}, (3,), "string")


# --- pad / slice ------------------------------------------------------------------------------


def test_pad_turns_variable_lengths_into_a_fixed_length() -> None:
    out = infer("pad", {"length": 50}, (None, 8), "int32", ragged=True)
    assert out == TensorSpec((50, 8), "int32")
    assert infer("pad", {"length": 4, "axis": -1}, (None, 9)) == TensorSpec((None, 4))
    assert infer("pad", {"length": 4, "value": 1}, (10,), "bool") == TensorSpec((4,), "bool")


def test_pad_value_must_fit_an_integer_input() -> None:
    assert shape_error("pad", {"length": 5, "value": 0.5}, (None,), "int32") == \
        "pad value 0.5 does not fit the input dtype int32 (whole numbers -2147483648 to 2147483647)"
    assert "uint8" in shape_error("pad", {"length": 5, "value": -1}, (None,), "uint8")
    assert "0 to 1" in shape_error("pad", {"length": 5, "value": 2}, (None,), "bool")
    assert "does not exist" in shape_error("pad", {"length": 5, "axis": 2}, (None,))


def test_pad_parameters_are_checked() -> None:
    assert param_error("pad", {"length": 0}).field == "length"
    assert param_error("pad", {"length": 5, "mask": True, "axis": 2}).field == "mask"
    assert param_error("pad", {"length": 5, "side": "both"}).field == "side"


@pytest.mark.parametrize(("start", "stop"), [(0, None), (2, 5), (-3, None), (1, -1), (-10, 3), (3, 100),
                                             (-2, -1), (0, 1)])
def test_slice_follows_python_slice_semantics(start: int, stop: int | None) -> None:
    expected = len(list(range(7))[start:stop])
    assert infer("slice", {"start": start, "stop": stop}, (7, 2)).shape == (expected, 2)
    assert infer("slice", {"axis": -1, "start": start, "stop": stop}, (2, 7)).shape == (2, expected)


def test_slice_of_unknown_length_is_unknown() -> None:
    assert infer("slice", {"start": 2, "stop": 5}, (None,), "string") == TensorSpec((None,), "string")


@pytest.mark.parametrize(("start", "stop", "shape"), [(5, 2, (7,)), (7, None, (7,)), (3, 3, (None,)),
                                                      (-1, -2, (None,))])
def test_slice_that_keeps_nothing_is_refused(start: int, stop: int | None,
                                             shape: tuple[int | None, ...]) -> None:
    assert "keeps nothing of axis 1" in shape_error("slice", {"start": start, "stop": stop}, shape)


# --- dense / embedding / one_hot / resize -------------------------------------------------------


def test_dense_projects_the_last_axis() -> None:
    assert infer("dense", {"units": 32}, (None, 64), "float16") == TensorSpec((None, 32), "float32")
    assert shape_error("dense", {"units": 3}, (10,), "int64") == (
        "dense needs a float input, but the input dtype is int64; insert a cast to float32 first "
        "(or an embedding for integer ids)")
    assert "last axis (axis 2)" in shape_error("dense", {"units": 3}, (4, None))
    assert "expand_dims" in shape_error("dense", {"units": 3}, ())
    assert param_error("dense", {"units": 0}).field == "units"
    assert param_error("dense", {"units": 3, "activation": "swoosh"}).field == "activation"


def test_embedding_and_one_hot_need_integer_ids() -> None:
    assert infer("embedding", {"input_dim": 100, "output_dim": 8}, (None,), "int32", ragged=True) == \
        TensorSpec((None, 8), "float32", True)
    assert infer("one_hot", {"depth": 10}, (5,), "uint8") == TensorSpec((5, 10), "float32")
    for kind, params in (("embedding", {"input_dim": 10, "output_dim": 2}), ("one_hot", {"depth": 3})):
        assert shape_error(kind, params, (5,), "float32") == (
            f"{kind} needs integer ids, but the input dtype is float32; insert a cast to int32 first")
    assert param_error("one_hot", {"depth": 0}).field == "depth"


def test_resize() -> None:
    params = {"height": 224, "width": 200}
    assert infer("resize", params, (None, None, 3), "uint8") == TensorSpec((224, 200, 3), "float32")
    assert shape_error("resize", params, (32, 32)) == \
        "resize needs images shaped (height, width, channels), but the input (None, 32, 32) has 2 sample axes"
    assert "bool" in shape_error("resize", params, (4, 4, 1), "bool")
    assert param_error("resize", {**params, "interpolation": "cubic"}).field == "interpolation"


# --- the suggestions built from these rules ----------------------------------------------------


@pytest.mark.parametrize(("out", "want", "label"), [
    (TensorSpec((1, 10)), TensorSpec((10,)), "Insert Squeeze 1"),
    (TensorSpec((10,)), TensorSpec((10, 1)), "Insert ExpandDims 2"),
    (TensorSpec((4, 5)), TensorSpec((20,)), "Insert Flatten"),
    (TensorSpec((3, 5)), TensorSpec((5, 3)), "Insert Permute (2, 1)"),
    (TensorSpec((None, 8), ragged=True), TensorSpec((50, 8)), "Insert Pad 50"),
    (TensorSpec((20,), "int32"), TensorSpec((20, 7)), "Insert OneHot 7"),
    (TensorSpec((4, 5), "float64"), TensorSpec((20,), "float32"), "Insert Flatten → Cast float32"),
])
def test_catalog_suggestions_run_through_the_adapter_rules(out: TensorSpec, want: TensorSpec,
                                                           label: str) -> None:
    labels = [s.label for s in CATALOG.suggest(out, want)]
    assert label in labels


def test_parameter_docs_are_written_for_every_parameter() -> None:
    for name in ADAPTERS:
        assert all(p.doc for p in get_kind(name).params), name
