"""The Keras layers behind merge nodes agree with the pure shape rules, save and rebuild."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from modelgraft.core.errors import ShapeError
from modelgraft.core.spec import TensorSpec
from modelgraft.engine import merge_custom_layers
from modelgraft.engine.merge_layers import BUILDERS
from modelgraft.engine.runtime import keras as _keras
from modelgraft.nodes import CATALOG, get_kind
from modelgraft.nodes.merges import ELEMENTWISE

keras = _keras()

MERGES = [k.name for k in CATALOG.kinds("merge")]
DIM = st.sampled_from([2, None, 1, 3, 4])
DTYPE = st.sampled_from(["float32", "float32", "float16", "int32"])
SHAPE = st.sampled_from([1, 2, 3, 2, 1, 0]).flatmap(lambda rank: st.lists(DIM, min_size=rank, max_size=rank))
MOSTLY = st.sampled_from([True, True, False])
_names = itertools.count()


def build(kind: str, params: dict[str, Any]) -> Any:
    """A fresh layer for ``kind`` with a unique name."""
    return BUILDERS[kind](params, f"{kind}_{next(_names)}").layer


def nonzero(reach: int) -> list[int]:
    """The axes -reach … reach except the batch axis 0, nearest first (Hypothesis favours those)."""
    return [a for n in range(1, reach + 1) for a in (-n, n)]


def _sample_axis(axis: int, rank: int) -> int | None:
    """A Keras axis as an index into a sample shape of ``rank`` axes, if it is one."""
    full = axis if axis > 0 else axis + rank + 1
    return full - 1 if 1 <= full <= rank else None


@st.composite
def cases(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], list[TensorSpec]]:
    """Parameters and input specs for ``kind``: often compatible, often not."""
    base = draw(SHAPE)
    raw: dict[str, Any] = {}
    if kind in ("concatenate", "stack"):
        reach = len(base) + 2  # a little beyond the valid axes on both sides
        raw["axis"] = draw(st.sampled_from(nonzero(reach)))
    if kind == "dot":
        axis = st.sampled_from(nonzero(4))
        raw["axes"] = draw(st.one_of(axis, st.tuples(axis, axis)))
        raw["normalize"] = draw(st.booleans())
    if "inputs" in get_kind(kind).param_map:
        raw["inputs"] = draw(st.integers(2, 4))
    params = CATALOG.normalize_params(kind, raw)
    shapes = []
    for _ in CATALOG.input_ports(kind, params):
        shape = list(base)
        how = draw(st.sampled_from(["same", "same", "tweak", "fresh"]))
        if how == "tweak" and shape:
            shape[draw(st.integers(0, len(shape) - 1))] = draw(DIM)
        elif how == "fresh":
            shape = draw(SHAPE)
        shapes.append(shape)
    if kind == "concatenate" and draw(MOSTLY):  # make the other axes match, mostly
        at = _sample_axis(params["axis"], len(base))
        shapes = [base[:at] + s[at:at + 1] + base[at + 1:] if at is not None and len(s) == len(base) else s
                  for s in shapes]
    if kind == "dot" and draw(MOSTLY):  # make the summed lengths match, mostly
        axes = params["axes"]
        a0, a1 = (axes, axes) if isinstance(axes, int) else axes
        k0, k1 = _sample_axis(a0, len(shapes[0])), _sample_axis(a1, len(shapes[1]))
        if k0 is not None and k1 is not None:
            shapes[1][k1] = shapes[0][k0]
    return params, [TensorSpec(tuple(s), draw(DTYPE)) for s in shapes]


def concrete(kind: str, specs: list[TensorSpec]) -> list[np.ndarray]:
    """Arrays for the specs (batch of 2), each unknown length replaced by a length that fits.

    Element-wise merges and ``dot`` use 1 (which broadcasts, and Keras only accepts an
    unknown dot axis against another unknown one); ``concatenate`` and ``stack`` use the
    length another input has on that axis.
    """
    arrays = []
    for spec in specs:
        shape = []
        for k, d in enumerate(spec.shape):
            if d is None and kind in ("concatenate", "stack"):
                d = next((s.shape[k] for s in specs if s.rank > k and s.shape[k] is not None), 1)
            shape.append(1 if d is None else d)
        arrays.append(np.linspace(0.5, 2.0, 2 * int(np.prod(shape))).reshape([2, *shape]).astype(spec.dtype))
    return arrays


def stricter_on_purpose(kind: str, params: dict[str, Any], specs: list[TensorSpec]) -> str | None:
    """Why the rule may refuse what Keras accepts symbolically (see ``nodes/merges.py``)."""
    if kind in ("concatenate", "dot") and any(s.rank == 0 for s in specs):
        return "scalar"
    if kind == "concatenate" and len({s.rank for s in specs}) > 1:
        return "ranks differ"
    if kind == "concatenate" and params["axis"] == -(specs[0].rank + 1):
        return "batch axis"
    if kind == "stack" and params["axis"] == -(specs[0].rank + 2):
        return "batch axis"
    if kind in ELEMENTWISE:
        for back in range(1, max(s.rank for s in specs) + 1):
            if len({s.shape[-back] for s in specs if s.rank >= back} - {None, 1}) > 1:
                return "lengths that can never match"
    if kind == "dot" and params["normalize"] and not all(s.is_float for s in specs):
        return "normalize needs floats"
    if kind == "dot":
        axes = params["axes"]
        pair = (axes, axes) if isinstance(axes, int) else axes
        if any(a + s.rank + 1 <= 0 for a, s in zip(pair, specs)):
            return "batch or wrapped axis"
    if kind != "stack" and any(s.dtype == "bool" for s in specs):
        return "bool"
    if kind != "stack" and not any(s.is_float for s in specs):
        return "dtype"
    return None


@pytest.mark.parametrize("kind", MERGES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rule_agrees_with_keras(kind: str, data: st.DataObject) -> None:
    params, specs = data.draw(cases(kind), label="params, specs")
    try:
        want = CATALOG.infer(kind, params, specs)[0]
        refused: ShapeError | None = None
    except ShapeError as err:
        refused = err
    layer = build(kind, params)
    try:
        got = layer([keras.Input(s.shape, dtype=s.dtype) for s in specs])
    except Exception as err:  # noqa: BLE001 - any Keras refusal must be a refusal of the rule too
        assert refused is not None, f"Keras refused but the rule gave {want}: {err}"
        event("both refuse")
        return
    if refused is not None:
        why = stricter_on_purpose(kind, params, specs)
        assert why is not None, f"the rule refused what Keras accepts as {got.shape}: {refused}"
        event(f"stricter on purpose: {why}")
        if why == "dtype":  # Keras declares float32 but computes something else, or fails
            try:
                ran = layer(concrete(kind, specs)).dtype.name
            except Exception as err:  # noqa: BLE001
                ran = repr(err)
            assert ran != got.dtype
        if why in ("lengths that can never match", "normalize needs floats", "ranks differ"):
            with pytest.raises(Exception):  # noqa: B017 - Keras accepts it, then fails when run
                layer(concrete(kind, specs))
        return
    assert want is not None
    event("both accept")
    assert (tuple(got.shape[1:]), got.dtype) == (want.shape, want.dtype)
    # The rule's promise also holds when the layer runs on real arrays.
    out = layer(concrete(kind, specs))
    assert out.dtype.name == want.dtype
    assert out.shape[0] == 2 and len(out.shape) == want.rank + 1
    assert all(w is None or w == o for w, o in zip(want.shape, out.shape[1:])), (out.shape, want)


def test_every_merge_kind_has_a_builder() -> None:
    assert sorted(BUILDERS) == sorted(MERGES)
    assert set(ELEMENTWISE) <= set(BUILDERS)


@pytest.mark.parametrize("kind, raw", [
    ("add", {"inputs": 3}),
    ("subtract", {}),
    ("multiply", {}),
    ("average", {"inputs": 4}),
    ("maximum", {}),
    ("minimum", {}),
    ("concatenate", {"axis": 1, "inputs": 3}),
    ("dot", {"axes": [1, 2], "normalize": True}),
    ("dot", {"axes": -1}),
    ("stack", {"axis": -1}),
])
def test_source_rebuilds_the_same_layer(kind: str, raw: dict[str, Any]) -> None:
    built = BUILDERS[kind](CATALOG.normalize_params(kind, raw), "merge_me")
    assert built.layer.name == "merge_me"
    clone = eval(built.source, {"keras": keras, "mgl": merge_custom_layers})  # noqa: S307
    assert type(clone) is type(built.layer)
    assert clone.get_config() == built.layer.get_config()


def test_stack_survives_save_and_safe_reload(tmp_path) -> None:
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), dtype="int32", name="b")
    stacked = build("stack", {"axis": 2, "inputs": 2})([a, b])
    model = keras.Model([a, b], keras.layers.Dense(2, name="head")(keras.layers.Flatten()(stacked)))
    path = tmp_path / "stacked.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    x = [np.arange(6, dtype="float32").reshape(2, 3), np.arange(6, dtype="int32").reshape(2, 3)]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    layer = next(la for la in loaded.layers if isinstance(la, merge_custom_layers.Stack))
    assert layer.axis == 2
    assert keras.saving.get_registered_name(type(layer)) == "modelgraft>Stack"
    assert tuple(layer.output.shape) == (None, 3, 2)
