"""TensorSpec and compatibility verdicts."""

from __future__ import annotations

import pytest

from modelgraft.core import TensorSpec, compare


def test_spec_prints_like_keras() -> None:
    assert str(TensorSpec((128,))) == "(None, 128) float32"
    assert str(TensorSpec((None, 8), "int32")) == "(None, None, 8) int32"
    assert TensorSpec((2, 3)).size == 6 and TensorSpec((None, 3)).size is None


def test_spec_rejects_bad_dtype_and_round_trips() -> None:
    with pytest.raises(ValueError, match="unknown dtype 'float33'"):
        TensorSpec((1,), "float33")
    spec = TensorSpec((None, 4), "float16", ragged=True)
    assert TensorSpec.from_json(spec.to_json()) == spec


def test_axis_mismatch_names_axis_ports_and_lengths() -> None:
    v = compare(TensorSpec((64,)), TensorSpec((128,)), dst="'clf' input 'feat'", src="'enc' output")
    assert v.level == "error"
    assert v.message == "axis 1: 'clf' input 'feat' expects 128, 'enc' output gives 64"


def test_dtype_mismatch_names_both_dtypes() -> None:
    v = compare(TensorSpec((10,)), TensorSpec((10,), "float16"), dst="B", src="A")
    assert not v.ok and v.message == "dtype: B expects float16, A gives float32"


def test_rank_mismatch_shows_both_shapes() -> None:
    v = compare(TensorSpec((10,)), TensorSpec((1, 10)), dst="B", src="A")
    assert v.message == "rank: B expects (None, 1, 10) (2 axes), A gives (None, 10) (1 axis)"


def test_unknown_lengths_warn_and_variable_lengths_fail() -> None:
    assert compare(TensorSpec((20, 8)), TensorSpec((None, 8))).level == "ok"
    assert compare(TensorSpec((None, 8)), TensorSpec((20, 8))).level == "warning"
    ragged = compare(TensorSpec((None, 8), ragged=True), TensorSpec((20, 8)), dst="B", src="A")
    assert ragged.level == "error" and "variable lengths" in ragged.message
