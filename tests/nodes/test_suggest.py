"""Ranked adapter chains suggested for mismatched connections, each checked by the shape rules."""

from __future__ import annotations

import pytest

from modelgraft.core import TensorSpec, compare
from modelgraft.nodes import CATALOG


def labels(out: TensorSpec, want: TensorSpec) -> list[str]:
    return [s.label for s in CATALOG.suggest(out, want)]


@pytest.mark.parametrize("out, want, first", [
    (TensorSpec((10,)), TensorSpec((1, 10)), "Insert ExpandDims 1"),                  # S4
    (TensorSpec((1, 10)), TensorSpec((10,)), "Insert Squeeze 1"),
    (TensorSpec((20, 128)), TensorSpec((2560,)), "Insert Flatten"),                  # S2
    (TensorSpec((10,)), TensorSpec((10,), "float16"), "Insert Cast float16"),         # S5
    (TensorSpec((None, 16), ragged=True), TensorSpec((12, 16)), "Insert Pad 12"),     # S6
    (TensorSpec((8, 3)), TensorSpec((3, 8)), "Insert Permute (2, 1)"),
    (TensorSpec((4,), "int32"), TensorSpec((4, 7)), "Insert OneHot 7"),
    (TensorSpec((48, 48, 3)), TensorSpec((32, 32, 3)), "Insert Resize 32, 32"),
    (TensorSpec((64,)), TensorSpec((128,)), "Insert Dense 128"),
    (TensorSpec((2, 5)), TensorSpec((1, 10), "float16"), "Insert Reshape (1, 10) → Cast float16"),
])
def test_best_suggestion_for_each_kind_of_mismatch(out: TensorSpec, want: TensorSpec, first: str) -> None:
    assert labels(out, want)[0] == first


def test_every_suggestion_really_fits() -> None:
    cases = [(TensorSpec((10,)), TensorSpec((1, 10))), (TensorSpec((20, 64)), TensorSpec((32,))),
             (TensorSpec((None, 8), ragged=True), TensorSpec((5, 8), "float16"))]
    for out, want in cases:
        suggestions = CATALOG.suggest(out, want)
        assert suggestions
        for s in suggestions:
            assert compare(s.result, want).ok, s.label


def test_trainable_projections_come_after_shape_only_fixes() -> None:
    found = CATALOG.suggest(TensorSpec((20, 64)), TensorSpec((1280,)))
    assert [s.trainable for s in found] == sorted(s.trainable for s in found)
    assert found[0].label == "Insert Flatten"


def test_no_suggestion_when_nothing_fits() -> None:
    assert labels(TensorSpec((3,), "string"), TensorSpec((7, 7, 7))) == []
