"""Merge node kinds: ports, parameters, and the pure shape rules with their messages."""

from __future__ import annotations

from typing import Any

import pytest

from modelgraft.core import Graph, IncompatiblePorts
from modelgraft.core.errors import ParamError, ShapeError
from modelgraft.core.spec import TensorSpec
from modelgraft.nodes import CATALOG, get_kind
from modelgraft.nodes.merges import ELEMENTWISE, MAX_INPUTS

MERGES = ["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot", "stack"]


def T(*shape: int | None, dtype: str = "float32", ragged: bool = False) -> TensorSpec:
    return TensorSpec(shape, dtype, ragged)


def infer(kind: str, *inputs: TensorSpec, **params: Any) -> TensorSpec:
    """The one output spec of ``kind`` for these inputs (ports follow the number given)."""
    if "inputs" in get_kind(kind).param_map:
        params.setdefault("inputs", len(inputs))
    out = CATALOG.infer(kind, CATALOG.normalize_params(kind, params), list(inputs))
    assert len(out) == 1 and out[0] is not None
    return out[0]


def refused(kind: str, *inputs: TensorSpec, **params: Any) -> ShapeError:
    """The ShapeError ``kind`` raises for these inputs."""
    with pytest.raises(ShapeError) as info:
        infer(kind, *inputs, **params)
    return info.value


# ---------------------------------------------------------------------------- declarations


def test_every_merge_kind_is_declared_with_title_and_doc() -> None:
    assert [k.name for k in CATALOG.kinds("merge")] == MERGES
    for k in CATALOG.kinds("merge"):
        assert k.title and len(k.doc) > 40 and "\n" not in k.doc
        assert k.outputs(CATALOG.normalize_params(k.name, {})) == ["output"]
        assert not k.trainable and k.needs_inputs


@pytest.mark.parametrize("kind", [k for k in MERGES if k not in ("subtract", "dot")])
def test_variadic_merges_have_one_port_per_input(kind: str) -> None:
    assert [p.name for p in CATALOG.input_ports(kind, CATALOG.normalize_params(kind, {}))] == ["in_0", "in_1"]
    params = CATALOG.normalize_params(kind, {"inputs": 5})
    assert [p.name for p in CATALOG.input_ports(kind, params)] == [f"in_{i}" for i in range(5)]
    assert all(p.expected is None for p in CATALOG.input_ports(kind, params))
    with pytest.raises(ParamError, match=f"'m' \\({kind}\\): parameter 'inputs' must be at least 2, got 1"):
        CATALOG.normalize_params(kind, {"inputs": 1}, node="m")
    with pytest.raises(ParamError, match=f"must be at most {MAX_INPUTS}, got 17"):
        CATALOG.normalize_params(kind, {"inputs": 17})


@pytest.mark.parametrize("kind", ["subtract", "dot"])
def test_binary_merges_have_exactly_two_ports(kind: str) -> None:
    params = CATALOG.normalize_params(kind, {})
    assert [p.name for p in CATALOG.input_ports(kind, params)] == ["in_0", "in_1"]
    with pytest.raises(ParamError, match="unknown parameter 'inputs'") as info:
        CATALOG.normalize_params(kind, {"inputs": 3})
    assert info.value.field == "inputs"


def test_defaults() -> None:
    assert CATALOG.normalize_params("concatenate", {}) == {"axis": -1, "inputs": 2}
    assert CATALOG.normalize_params("stack", {}) == {"axis": 1, "inputs": 2}
    assert CATALOG.normalize_params("dot", {}) == {"axes": -1, "normalize": False}
    assert CATALOG.normalize_params("add", {}) == {"inputs": 2}
    assert CATALOG.normalize_params("subtract", {}) == {}


@pytest.mark.parametrize("kind", ["concatenate", "stack"])
def test_axis_zero_is_the_batch_axis_and_refused(kind: str) -> None:
    with pytest.raises(ParamError, match=f"'j' \\({kind}\\): parameter 'axis' cannot be 0, the batch axis") as info:
        CATALOG.normalize_params(kind, {"axis": 0}, node="j")
    assert (info.value.node, info.value.field) == ("j", "axis")


@pytest.mark.parametrize("axes", [0, [1, 0], [1, 2, 3], [1], "last", True, 1.5, [1, None]])
def test_dot_axes_must_be_an_axis_or_a_pair(axes: Any) -> None:
    with pytest.raises(ParamError, match="parameter 'axes'") as info:
        CATALOG.normalize_params("dot", {"axes": axes})
    assert info.value.field == "axes"


@pytest.mark.parametrize("axes", [1, -1, [1, 2], (2, -1)])
def test_dot_axes_accept_an_axis_or_a_pair(axes: Any) -> None:
    assert CATALOG.normalize_params("dot", {"axes": axes})["axes"] == axes


# ---------------------------------------------------------------------------- element-wise


@pytest.mark.parametrize("kind", ELEMENTWISE)
def test_elementwise_equal_shapes(kind: str) -> None:
    assert infer(kind, T(10, 8), T(10, 8)) == T(10, 8)


def test_elementwise_broadcasts_length_one_and_lower_ranks_like_numpy() -> None:
    assert infer("add", T(1, 8), T(5, 1)) == T(5, 8)
    assert infer("multiply", T(8), T(5, 8)) == T(5, 8)
    assert infer("maximum", T(), T(4, 3), T(3)) == T(4, 3)


def test_elementwise_unknown_lengths_stay_unknown_as_in_keras() -> None:
    assert infer("add", T(None, 8), T(10, 8)) == T(None, 8)
    assert infer("average", T(1, 8), T(None, 8), T(10, 8)) == T(None, 8)


def test_elementwise_mismatch_names_the_port_and_axis() -> None:
    err = refused("add", T(10, 8), T(20, 8))
    assert str(err) == "add: in_1 has (None, 20, 8) but in_0 has (None, 10, 8); axis 1 must match (20 vs 10) or be 1 on one side"
    assert err.port == 1
    err = refused("minimum", T(4, 3), T(4, 3), T(5))
    assert err.port == 2
    assert str(err) == ("minimum: in_2 has (None, 5) but in_0 has (None, 4, 3); axis 1 of in_2 (lined up with "
                        "axis 2 of in_0) must match (5 vs 3) or be 1 on one side")


def test_elementwise_conflict_behind_an_unknown_length_is_refused() -> None:
    # Keras accepts this symbolically (None hides it) but it can never run.
    err = refused("maximum", T(2), T(None), T(3))
    assert err.port == 2 and "in_0 has (None, 2)" in str(err)


def test_subtract_takes_two_inputs() -> None:
    assert infer("subtract", T(3), T(1)) == T(3)


# ---------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("kind", MERGES)
def test_float_inputs_give_float32_like_keras_default_policy(kind: str) -> None:
    assert infer(kind, T(4, dtype="float16"), T(4, dtype="float16")).dtype == "float32"
    assert infer(kind, T(4, dtype="float64"), T(4, dtype="int32")).dtype == "float32"


@pytest.mark.parametrize("kind", [k for k in MERGES if k != "stack"])
def test_integer_only_inputs_are_refused_with_a_cast_hint(kind: str) -> None:
    err = refused(kind, T(4, dtype="int32"), T(4, dtype="int64"))
    assert str(err).startswith(f"{kind}: no input is floating point (in_0 is int32, in_1 is int64)")
    assert "insert a Cast to float32" in str(err) and err.port is None


@pytest.mark.parametrize("kind", [k for k in MERGES if k != "stack"])
def test_bool_inputs_are_refused(kind: str) -> None:
    err = refused(kind, T(4), T(4, dtype="bool"))
    assert str(err) == f"{kind}: in_1 is bool; merges need numbers, so insert a Cast to float32 before in_1"
    assert err.port == 1


def test_stack_casts_every_input_so_integers_are_fine() -> None:
    assert infer("stack", T(4, dtype="int32"), T(4, dtype="bool")) == T(2, 4)


@pytest.mark.parametrize("kind", MERGES)
def test_strings_are_refused(kind: str) -> None:
    err = refused(kind, T(4, dtype="string"), T(4))
    assert err.port == 0 and "strings" in str(err)


def test_ragged_stays_ragged_only_while_an_axis_is_unknown() -> None:
    assert infer("concatenate", T(None, 8, ragged=True), T(None, 4), axis=-1) == T(None, 12, ragged=True)
    assert infer("stack", T(None, 8, ragged=True), T(5, 8)) == T(2, 5, 8)
    assert infer("dot", T(None, 8, ragged=True), T(8), axes=-1) == T(None, ragged=True)
    assert infer("dot", T(None, ragged=True), T(None), axes=1) == T(1)


# ---------------------------------------------------------------------------- concatenate


def test_concatenate_adds_up_the_joined_axis() -> None:
    assert infer("concatenate", T(10), T(20)) == T(30)
    assert infer("concatenate", T(10, 8), T(20, 8), T(1, 8), axis=1) == T(31, 8)
    assert infer("concatenate", T(10, 8), T(10, 3), axis=2) == T(10, 11)
    assert infer("concatenate", T(3, 4, 5), T(3, 1, 5), axis=-2) == T(3, 5, 5)


def test_concatenate_unknown_lengths() -> None:
    assert infer("concatenate", T(None, 8), T(4, 8), axis=1) == T(None, 8)
    # Like Keras, the other axes come from in_0 even where another input knows them.
    assert infer("concatenate", T(None, 8), T(4, 8), axis=2) == T(None, 16)


def test_concatenate_mismatch_message_names_the_port() -> None:
    err = refused("concatenate", T(10, 8), T(20, 8), axis=2)
    assert str(err) == "concatenate: in_1 has (None, 20, 8) but in_0 has (None, 10, 8); all axes but axis 2 must match"
    assert err.port == 1
    err = refused("concatenate", T(None, 8), T(5, 8), T(6, 8), axis=2)
    assert err.port == 2 and "but in_1 has (None, 5, 8)" in str(err)


def test_concatenate_needs_equal_ranks_and_an_axis() -> None:
    err = refused("concatenate", T(10, 8), T(20))
    assert str(err) == "concatenate: in_1 has (None, 20) but in_0 has (None, 10, 8); all inputs need the same number of axes"
    assert err.port == 1
    err = refused("concatenate", T(3), T())
    assert err.port == 1 and "at least one axis" in str(err)


@pytest.mark.parametrize("axis", [3, -3, -4])
def test_concatenate_axis_out_of_range(axis: int) -> None:
    err = refused("concatenate", T(10, 8), T(10, 8), axis=axis)
    assert str(err) == (f"concatenate: axis {axis} does not exist in (None, 10, 8); "
                        "use 1 to 2 or -1 to -2 (axis 0 is the batch axis)")
    assert err.port is None


# ---------------------------------------------------------------------------- dot


def test_dot_shapes_like_keras() -> None:
    assert infer("dot", T(8), T(8)) == T(1)
    assert infer("dot", T(5, 8), T(7, 8), axes=2) == T(5, 7)
    assert infer("dot", T(3, 5), T(10, 3), axes=(1, 2)) == T(5, 10)
    assert infer("dot", T(3, 4), T(4), axes=[2, 1]) == T(3)
    assert infer("dot", T(None, 8), T(6, 8), axes=-1, normalize=True) == T(None, 6)


def test_dot_needs_equal_known_lengths() -> None:
    err = refused("dot", T(8), T(9))
    assert str(err) == ("dot: axis 1 of in_1 (None, 9) has 9 but axis 1 of in_0 (None, 8) has 8; "
                        "the summed axes must have the same known length")
    assert err.port == 1
    err = refused("dot", T(4, None), T(4, 8), axes=-1)
    assert "(None, 4, None) has an unknown length" in str(err)


def test_dot_axes_must_exist_and_inputs_need_an_axis() -> None:
    err = refused("dot", T(5, 8), T(8), axes=2)
    assert str(err) == "dot: axis 2 does not exist in in_1 (None, 8); use 1 to 1 or -1 to -1 (axis 0 is the batch axis)"
    assert err.port == 1
    err = refused("dot", T(8), T(8), axes=-2)  # Keras would wrap this round to the batch axis
    assert err.port == 0
    assert refused("dot", T(), T(3)).port == 0


def test_dot_normalize_needs_floats() -> None:
    err = refused("dot", T(8), T(8, dtype="int32"), normalize=True)
    assert str(err) == "dot: in_1 is int32 but normalize needs floating-point inputs; insert a Cast to float32 before in_1"
    assert infer("dot", T(8), T(8, dtype="int32")) == T(1)


# ---------------------------------------------------------------------------- stack


def test_stack_inserts_the_new_axis() -> None:
    assert infer("stack", T(64), T(64), T(64)) == T(3, 64)
    assert infer("stack", T(64), T(64), axis=-1) == T(64, 2)
    assert infer("stack", T(4, 5), T(4, 5), axis=2) == T(4, 2, 5)
    assert infer("stack", T(), T()) == T(2)


def test_stack_fills_unknown_lengths_from_the_others() -> None:
    assert infer("stack", T(None, 8), T(4, None)) == T(2, 4, 8)


def test_stack_mismatch_and_axis_messages() -> None:
    err = refused("stack", T(10, 8), T(10, 8), T(10, 9))
    assert str(err) == ("stack: in_2 has (None, 10, 9) but in_0 has (None, 10, 8); "
                        "stacked inputs need the same shape (axis 2 differs)")
    assert err.port == 2
    assert refused("stack", T(10), T(10, 1)).port == 1
    err = refused("stack", T(10), T(10), axis=3)
    assert str(err) == ("stack: axis 3 does not exist in the stacked result (None, 10, 2); "
                        "use 1 to 2 or -1 to -2 (axis 0 is the batch axis)")


# ---------------------------------------------------------------------------- in a graph


def test_merges_check_connections_live_in_the_graph() -> None:
    g = Graph(CATALOG)
    a = g.add_node("input", {"shape": (10, 8)}, name="a")
    b = g.add_node("input", {"shape": (20, 8)}, name="b")
    c = g.add_node("input", {"shape": (20, 9)}, name="c")
    cat = g.add_node("concatenate", {"axis": 1}, name="cat")
    g.connect(a, cat.input("in_0"))
    g.connect(b, cat.input("in_1"))
    assert str(cat.out_specs[0]) == "(None, 30, 8) float32"
    g.set_params(cat, inputs=3)
    with pytest.raises(IncompatiblePorts, match="in_2 has \\(None, 20, 9\\) but in_0 has \\(None, 10, 8\\)"):
        g.connect(c, cat.input("in_2"))
