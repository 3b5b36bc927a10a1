"""The Graph document: edits, events, verdicts, incremental re-inference and check()."""

from __future__ import annotations

import subprocess
import sys

import pytest

from modelgraft.core import Graph, GraphError, IncompatiblePorts, ParamError, UnknownKind
from modelgraft.nodes import CATALOG


def sig(inputs: dict, outputs: dict) -> dict:
    """A model signature from {name: shape} dicts (float32)."""
    return {
        "format": "keras",
        "inputs": [{"name": k, "shape": list(v), "dtype": "float32"} for k, v in inputs.items()],
        "outputs": [{"name": k, "shape": None if v is None else list(v), "dtype": "float32"}
                    for k, v in outputs.items()],
    }


@pytest.fixture
def graph() -> Graph:
    return Graph(CATALOG)


def add_model(g: Graph, name: str, inputs: dict, outputs: dict):
    return g.add_node("model", {"path": f"{name}.keras", "signature": sig(inputs, outputs)}, name=name)


def test_core_and_nodes_do_not_import_tensorflow_or_qt() -> None:
    code = ("import sys, modelgraft.core, modelgraft.nodes, modelgraft.io; "
            "bad = [m for m in ('tensorflow', 'keras', 'PySide6', 'pyqtgraph') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_names_are_unique_and_stable(graph: Graph) -> None:
    a = graph.add_node("input", {"shape": (4,)})
    b = graph.add_node("input", {"shape": (4,)})
    assert (a.name, b.name) == ("input", "input_1")
    with pytest.raises(GraphError, match="a node named 'input' already exists"):
        graph.add_node("input", {"shape": (4,)}, name="input")
    graph.rename(b, "x2")
    assert graph.node("x2") is b and "input_1" not in graph
    with pytest.raises(GraphError, match="not valid"):
        graph.rename(b, "bad name!")


def test_unknown_kind_and_bad_params_name_the_field(graph: Graph) -> None:
    with pytest.raises(UnknownKind, match="unknown node kind 'resahpe'"):
        graph.add_node("resahpe")
    with pytest.raises(ParamError, match="'x' \\(input\\): parameter 'shape' is required"):
        graph.add_node("input", {}, name="x")
    with pytest.raises(ParamError, match="unknown parameter 'shap'"):
        graph.add_node("input", {"shap": (3,)}, name="x")
    with pytest.raises(ParamError, match="parameter 'loss_weight' must be at least 0, got -1"):
        graph.add_node("output", {"loss_weight": -1}, name="y")


def test_connect_compatible_ports_propagates_specs(graph: Graph) -> None:
    x = graph.add_node("input", {"shape": (100,)}, name="x")
    enc = add_model(graph, "enc", {"in": (100,)}, {"feat": (128,)})
    y = graph.add_node("output", name="y")
    graph.connect(x, enc)
    edge = graph.connect(enc.output("feat"), y)
    assert edge.verdict.ok and enc.input("in").incoming == x.outputs[0].spec
    assert str(y.inputs[0].incoming) == "(None, 128) float32"
    assert graph.check() == []


def test_incompatible_connect_raises_verdict_with_suggestions(graph: Graph) -> None:
    enc = add_model(graph, "enc", {"in": (100,)}, {"out": (64,)})
    clf = add_model(graph, "clf", {"feat": (128,)}, {"probs": (10,)})
    with pytest.raises(IncompatiblePorts) as info:
        graph.connect(enc, clf.input("feat"))
    assert str(info.value) == "axis 1: 'clf' input 'feat' expects 128, 'enc' output gives 64"
    assert isinstance(info.value, ValueError)
    assert [s.label for s in info.value.suggestions] == ["Insert Dense 128"]
    assert graph.edges == []
    edge = graph.connect(enc, clf.input("feat"), force=True)
    assert edge.verdict.level == "error"
    problems = graph.check()
    assert any(p.code == "incompatible" and p.node == "clf" and p.port == "feat" for p in problems)


def test_cycles_and_second_edges_are_refused(graph: Graph) -> None:
    a = add_model(graph, "a", {"i": (4,)}, {"o": (4,)})
    b = add_model(graph, "b", {"i": (4,)}, {"o": (4,)})
    graph.connect(a, b)
    with pytest.raises(GraphError, match="would make a cycle"):
        graph.connect(b, a)
    with pytest.raises(GraphError, match="would make a cycle"):
        graph.connect(a, a)
    c = add_model(graph, "c", {"i": (4,)}, {"o": (4,)})
    with pytest.raises(GraphError, match="'b' input 'i' is already connected to 'a' output"):
        graph.connect(c, b.input("i"))
    assert not graph.verdict_for(b.output(0), a.input(0)).ok


def test_events_fire_for_each_change(graph: Graph) -> None:
    seen: list[tuple[str, str]] = []
    for signal in ("node_added", "node_removed", "edge_added", "edge_removed", "spec_changed"):
        getattr(graph, signal).connect(lambda *args, s=signal: seen.append((s, repr(args[0]))))
    x = graph.add_node("input", {"shape": (4,)}, name="x")
    y = graph.add_node("output", name="y")
    graph.connect(x, y)
    graph.remove_node(x)
    kinds = [s for s, _ in seen]
    assert kinds.count("node_added") == 2 and "edge_added" in kinds
    assert kinds.index("edge_removed") < kinds.index("node_removed")
    assert y.inputs[0].incoming is None


def test_param_change_reinfers_downstream_and_marks_edge(graph: Graph) -> None:
    x = graph.add_node("input", {"shape": (10,)}, name="x")
    b = add_model(graph, "b", {"i": (10,)}, {"o": (3,)})
    graph.connect(x, b)
    verdicts: list[str] = []
    graph.verdict_changed.connect(lambda e: verdicts.append(e.verdict.level))
    graph.set_params(x, shape=(12,))
    edge = b.inputs[0].edges[0]
    assert edge.verdict.level == "error" and "expects 10" in edge.verdict.message
    assert verdicts == ["error"]
    graph.set_params(x, shape=(10,))
    assert edge.verdict.ok and verdicts == ["error", "ok"]


def test_reinference_stops_where_specs_do_not_change(graph: Graph) -> None:
    x = graph.add_node("input", {"shape": (4,)}, name="x")
    prev = x
    chain = []
    for i in range(20):
        node = add_model(graph, f"m{i}", {"i": (4,)}, {"o": (4,)})
        graph.connect(prev, node)
        chain.append(node)
        prev = node
    changed: list[str] = []
    graph.spec_changed.connect(lambda n: changed.append(n.name))
    graph.set_params(x, dtype="float16")
    assert changed == ["x"], "model outputs do not depend on inputs; nothing below should re-infer"


def test_check_lists_every_problem(graph: Graph) -> None:
    graph.add_node("input", {"shape": (4,)}, name="x")
    add_model(graph, "m", {"i": (4,)}, {"o": None})
    problems = graph.check()
    codes = {(p.code, p.node) for p in problems}
    assert ("no-output", None) in codes
    assert ("unconnected", "m") in codes
    assert ("unused", "x") in codes
    assert problems[0].severity == "error"
    assert next(p for p in problems if p.code == "unconnected").message == "'m' input 'i' is not connected"


def test_ports_changed_by_params_keep_edges_by_name(graph: Graph) -> None:
    x = graph.add_node("input", {"shape": (4,)}, name="x")
    m = add_model(graph, "m", {"a": (4,), "b": (4,)}, {"o": (4,)})
    graph.connect(x, m.input("b"))
    graph.set_params(m, signature=sig({"b": (4,)}, {"o": (4,)}))
    assert [p.name for p in m.inputs] == ["b"] and m.input("b").incoming is not None
    graph.set_params(m, signature=sig({"c": (4,)}, {"o": (4,)}))
    assert graph.edges == []


def test_topological_order(graph: Graph) -> None:
    y = graph.add_node("output", name="y")
    m = add_model(graph, "m", {"i": (4,)}, {"o": (4,)})
    x = graph.add_node("input", {"shape": (4,)}, name="x")
    graph.connect(m, y)
    graph.connect(x, m)
    assert [n.name for n in graph.topological()] == ["x", "m", "y"]
