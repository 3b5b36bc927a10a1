"""The workbench document: undo commands, dirty state, async model loading through the bridge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from modelgraft.io import model_node_params
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.commands import (
    AddNodeCommand,
    ConnectCommand,
    EdgeRef,
    MoveNodesCommand,
    PasteCommand,
    RemoveNodesCommand,
    SetParamsCommand,
    snapshot,
)
from modelgraft.ui.document import Document


@pytest.fixture
def doc(qtbot: Any) -> Document:
    return Document(EngineBridge())


def test_edits_undo_and_redo(doc: Document) -> None:
    doc.push(AddNodeCommand(doc, "input", {"shape": (10,)}, name="x"))
    doc.push(AddNodeCommand(doc, "reshape", {"target_shape": (2, 5)}, name="r"))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "r", "input")))
    assert doc.dirty and str(doc.graph.node("r").outputs[0].spec) == "(None, 2, 5) float32"
    doc.push(SetParamsCommand(doc, "r", {"target_shape": (5, 2)}))
    assert doc.graph.node("r").params["target_shape"] == (5, 2)
    doc.push(MoveNodesCommand(doc, {"r": ((0.0, 0.0), (100.0, 20.0))}))
    doc.push(RemoveNodesCommand(doc, ["x"]))
    assert "x" not in doc.graph and doc.graph.edges == []
    doc.undo_stack.undo()
    assert [e.key() for e in doc.graph.edges] == [("x", "output", "r", "input")]
    doc.undo_stack.undo()
    assert doc.graph.node("r").position == (0.0, 0.0)
    doc.undo_stack.undo()
    assert doc.graph.node("r").params["target_shape"] == (2, 5)
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert len(doc.graph) == 0 and not doc.dirty
    while doc.undo_stack.canRedo():
        doc.undo_stack.redo()
    assert doc.graph.node("r").position == (100.0, 20.0) and "x" not in doc.graph


def test_connect_replaces_an_existing_edge_and_undo_restores_it(doc: Document) -> None:
    for name in ("a", "b"):
        doc.push(AddNodeCommand(doc, "input", {"shape": (4,)}, name=name))
    doc.push(AddNodeCommand(doc, "output", name="y"))
    doc.push(ConnectCommand(doc, EdgeRef("a", "output", "y", "input")))
    doc.push(ConnectCommand(doc, EdgeRef("b", "output", "y", "input")))
    assert [e.src.node.name for e in doc.graph.edges] == ["b"]
    doc.undo_stack.undo()
    assert [e.src.node.name for e in doc.graph.edges] == ["a"]


def test_paste_gives_fresh_names_and_inner_edges(doc: Document) -> None:
    doc.push(AddNodeCommand(doc, "input", {"shape": (4,)}, name="x"))
    doc.push(AddNodeCommand(doc, "dense", {"units": 3}, name="d"))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "d", "input")))
    nodes, edges = snapshot(doc.graph, ["x", "d"])
    doc.push(PasteCommand(doc, nodes, edges))
    assert {"x_1", "d_1"} <= {n.name for n in doc.graph}
    assert ("x_1", "output", "d_1", "input") in [e.key() for e in doc.graph.edges]
    doc.undo_stack.undo()
    assert len(doc.graph) == 2


def test_model_node_loads_on_the_engine_thread(doc: Document, qtbot: Any, models: dict[str, Any],
                                               tmp_path: Path) -> None:
    params = model_node_params(str(models["keras"]))
    doc.push(AddNodeCommand(doc, "model", params, name="enc"))
    node = doc.graph.node("enc")
    assert [p.name for p in node.inputs] == ["x"], "input ports at once, before TensorFlow"
    with qtbot.waitSignal(doc.loading_changed, timeout=60000, check_params_cb=lambda n, busy: not busy):
        pass
    assert str(node.outputs[0].spec) == "(None, 3) float32"
    assert node.params["signature"]["params"]["total"] == 51


def test_snapshot_is_an_independent_copy(doc: Document) -> None:
    doc.push(AddNodeCommand(doc, "input", {"shape": (4,)}, name="x"))
    copy = doc.snapshot()
    doc.push(RemoveNodesCommand(doc, ["x"]))
    assert "x" in copy and "x" not in doc.graph


def test_a_model_that_fails_to_load_is_a_problem(doc: Document, qtbot: Any, models: dict[str, Any]) -> None:
    params = model_node_params(str(models["two_sigs"]))  # two signatures, neither default
    doc.push(AddNodeCommand(doc, "model", params, name="sm"))
    qtbot.waitUntil(lambda: "sm" not in doc.loading, timeout=60000)
    problems = [p for p in doc.project.check() if p.node == "sm"]
    assert problems[0].code == "model-load" and "several signatures" in problems[0].message
    doc.push(SetParamsCommand(doc, "sm", {"endpoint": "score"}))  # choosing one reloads it
    qtbot.waitUntil(lambda: "sm" not in doc.loading and bool(doc.graph.node("sm").outputs), timeout=60000)
    assert [p.name for p in doc.graph.node("sm").inputs] == ["features"]
    assert not [p for p in doc.project.check() if p.code in ("model-load", "not-loaded")]
