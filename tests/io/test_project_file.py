"""The .mgraft project file: round trips, relative model paths, migrations and error messages."""

from __future__ import annotations

import json
import shutil

import pytest
from modelgraft.core.errors import ProjectFileError
from modelgraft.core.graph import Graph
from modelgraft.io import (
    CURRENT_VERSION,
    ProjectData,
    data_to_graph,
    graph_to_data,
    model_file_problems,
    model_node_params,
    open_project,
    parse_project,
    read_project,
    save_project,
    write_project,
)


@pytest.fixture()
def project(tmp_path, models, catalog):
    """A project dir with a model copied under models/, and a graph input → model → output."""
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "seq.keras"
    shutil.copy(models["seq.keras"], model)
    graph = Graph(catalog)
    graph.add_node("input", {"shape": [20, 8]}, name="steps", position=(0, 10))
    graph.add_node("model", {**model_node_params(model), "trainable": False}, name="enc",
                   position=(150.5, 10))
    graph.add_node("output", {"loss": "mae", "metrics": ["mse"]}, name="y", position=(300, -2.25))
    graph.connect("steps", "enc")
    graph.connect("enc", "y")
    return tmp_path, graph


def _snapshot(graph):
    return ([(n.name, n.kind, n.params, n.position) for n in graph.nodes],
            sorted(e.key() for e in graph.edges))


def test_round_trip_keeps_nodes_params_positions_and_edges(project, catalog):
    root, graph = project
    path = root / "demo.mgraft"
    split = {"split": {"fraction": 0.25, "seed": 1}}
    written = save_project(path, graph, data=split, training={"epochs": 3})
    data, reopened = open_project(path, catalog)
    assert _snapshot(reopened) == _snapshot(graph)
    assert data == written
    assert (data.name, data.training) == ("demo", {"epochs": 3})
    assert data.data["split"] == {"fraction": 0.25, "seed": 1}
    assert reopened.check() == graph.check()


def test_file_layout_and_relative_model_paths(project):
    root, graph = project
    path = root / "demo.mgraft"
    save_project(path, graph, name="Demo")
    doc = json.loads(path.read_text())
    assert list(doc) == ["format", "version", "name", "nodes", "edges", "data", "training"]
    assert (doc["format"], doc["version"], doc["name"]) == ("modelgraft-project", 1, "Demo")
    enc = doc["nodes"][1]
    assert enc["params"]["path"] == "models/seq.keras"
    assert len(enc["params"]["sha256"]) == 64
    assert enc["position"] == [150.5, 10.0]
    assert doc["edges"] == [
        {"src": "steps", "src_port": "output", "dst": "enc", "dst_port": "steps"},
        {"src": "enc", "src_port": "head", "dst": "y", "dst_port": "input"}]
    assert path.read_text().endswith("}\n")


def test_moving_the_project_folder_keeps_model_paths_working(project, tmp_path_factory, catalog):
    root, graph = project
    save_project(root / "demo.mgraft", graph)
    moved = tmp_path_factory.mktemp("elsewhere") / "copy"
    shutil.copytree(root, moved)
    _, reopened = open_project(moved / "demo.mgraft", catalog)
    assert reopened.node("enc").params["path"] == str(moved / "models" / "seq.keras")
    assert model_file_problems(reopened) == []


def test_model_outside_the_project_folder_gets_a_dotdot_path(project, tmp_path_factory, catalog):
    root, graph = project
    sub = root / "projects" / "p1"
    sub.mkdir(parents=True)
    save_project(sub / "p.mgraft", graph)
    assert read_project(sub / "p.mgraft").nodes[1].params["path"] == "../../models/seq.keras"
    _, reopened = open_project(sub / "p.mgraft", catalog)
    assert reopened.node("enc").params["path"] == str(root / "models" / "seq.keras")


def test_a_project_with_an_incompatible_edge_still_opens(tmp_path, models, catalog):
    graph = Graph(catalog)
    graph.add_node("input", {"shape": [10]}, name="x")
    graph.add_node("model", model_node_params(models["seq.keras"]), name="enc")
    graph.connect("x", "enc", force=True)
    save_project(tmp_path / "bad.mgraft", graph)
    _, reopened = open_project(tmp_path / "bad.mgraft", catalog)
    assert any(p.code == "incompatible" and p.node == "enc" for p in reopened.check())


def test_missing_and_changed_model_files_are_problems_not_crashes(project, catalog):
    root, graph = project
    save_project(root / "demo.mgraft", graph)
    model = root / "models" / "seq.keras"
    model.write_bytes(model.read_bytes() + b"\0")
    _, reopened = open_project(root / "demo.mgraft", catalog)
    (changed,) = model_file_problems(reopened)
    assert changed.message == "model file 'seq.keras' of node 'enc' changed since it was added (sha256 differs)"
    assert (changed.severity, changed.code, changed.node) == ("warning", "model-changed", "enc")
    model.unlink()
    _, reopened = open_project(root / "demo.mgraft", catalog)
    assert [p.name for p in reopened.node("enc").inputs] == ["steps"]
    (missing,) = model_file_problems(reopened)
    assert missing.message.startswith("model file 'seq.keras' of node 'enc' is missing (looked for '")
    assert (missing.severity, missing.code) == ("error", "model-missing")


def test_failed_save_keeps_the_old_file(project):
    root, graph = project
    path = root / "demo.mgraft"
    save_project(path, graph)
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="project 'demo' cannot be saved as JSON"):
        save_project(path, graph, training={"lr": float("nan")})
    assert path.read_bytes() == before
    assert sorted(p.name for p in root.iterdir()) == ["demo.mgraft", "models"]


def _doc(**changes):
    doc = {"format": "modelgraft-project", "version": 1, "name": "demo",
           "nodes": [{"name": "x", "kind": "input", "params": {"shape": [3]}, "position": [0, 0]},
                     {"name": "y", "kind": "output", "params": {}, "position": [100, 0]}],
           "edges": [{"src": "x", "src_port": "output", "dst": "y", "dst_port": "input"}],
           "data": {}, "training": {}}
    doc.update(changes)
    return json.dumps(doc)


BAD_TEXT = [
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe",
     "demo.mgraft is not a ModelGraft project: it is binary data, not UTF-8 text (byte 0)"),
    (b'{"format": "modelgraft-project",\n "version": 1,\n "name": }',
     "demo.mgraft is not valid JSON: expecting value at line 3, column 10"),
    (b"", "demo.mgraft is empty, not a ModelGraft project"),
    (b" \r\n\t", "demo.mgraft is empty, not a ModelGraft project"),
    (b'{"name": "a\x00b"}', ("demo.mgraft is not a ModelGraft project: it is binary data, not UTF-8 text "
                            "(byte 11)")),
    (b'{"format": "modelgraft-project",\n "name": "demo}',
     "demo.mgraft is not valid JSON: unterminated string starting at line 2, column 10"),
    (b'{"name": "tab\there"}', "demo.mgraft is not valid JSON: invalid control character at line 1, column 14"),
    (b'{"format": "modelgraft-project"} {}',
     "demo.mgraft is not valid JSON: unexpected text after the end of the document at line 1, column 34"),
    (b'{"format": "modelgraft-project", }',
     "demo.mgraft is not valid JSON: expecting property name enclosed in double quotes at line 1, column 34"),
    (b'{"format": "modelgraft-project", "version": 1, "name": NaN}',
     "demo.mgraft is not valid JSON: NaN is not a JSON number"),
    (b"[1, 2]", "demo.mgraft is not a ModelGraft project: its top level is not a JSON object"),
    (b'{"format": "keras"}', ("demo.mgraft is not a ModelGraft project: its 'format' is 'keras', "
                             "not 'modelgraft-project'")),
    (_doc(version=3), ("demo.mgraft was written by a newer ModelGraft (format 3); this one reads formats "
                      "up to 1, so update ModelGraft to open it")),
    (_doc(version="1"), "demo.mgraft: version: must be a whole number ≥ 0, got '1'"),
    (_doc(name=None), "demo.mgraft: name: must be text, got None"),
    (_doc(extra=1), "demo.mgraft: extra: is not a known field"),
    (_doc(nodes=[{"name": "x", "kind": 3}]), "demo.mgraft: nodes[0].kind: must be text, got 3"),
    (_doc(nodes=[{"name": "x", "kind": "input", "position": [1, "2"]}]),
     "demo.mgraft: nodes[0].position[1]: must be a number, got '2'"),
    (_doc(nodes=[{"name": "x", "kind": "input", "position": [1, 2, 3]}]),
     "demo.mgraft: nodes[0].position: must be a pair of numbers [x, y], got [1, 2, 3]"),
    (_doc(nodes=[{"name": "x", "kind": "input", "position": [9.5, 0]}]).replace("9.5", "1e400"),
     "demo.mgraft: nodes[0].position[0]: must be a finite number, got inf"),
    (_doc(nodes=[{"kind": "input"}]), "demo.mgraft: nodes[0].name: is required"),
    (_doc(edges=[{"src": "x", "src_port": "output", "dst": "y"}]), "demo.mgraft: edges[0].dst_port: is required"),
    (_doc(data=[]), "demo.mgraft: data: must be an object, got []"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_TEXT)
def test_bad_project_files_name_the_first_bad_field(tmp_path, raw, message):
    path = tmp_path / "demo.mgraft"
    path.write_bytes(raw if isinstance(raw, bytes) else raw.encode())
    with pytest.raises(ProjectFileError) as info:
        read_project(path)
    assert str(info.value) == message


BAD_GRAPH = [
    (_doc(nodes=[{"name": "x", "kind": "input", "params": {"shape": [3, "a"]}}]),
     "demo.mgraft: nodes[0].params.shape: must be a whole number, got 'a' (node 'x')"),
    (_doc(nodes=[{"name": "x", "kind": "input", "params": {}}]),
     "demo.mgraft: nodes[0].params.shape: is required (node 'x')"),
    (_doc(nodes=[{"name": "x", "kind": "input", "params": {"shape": [3], "units": 2}}]),
     "demo.mgraft: nodes[0].params.units: unknown parameter 'units'"),
    (_doc(nodes=[{"name": "x", "kind": "wormhole"}]), "demo.mgraft: nodes[0].kind: unknown node kind 'wormhole'"),
    (_doc(nodes=[{"name": "x", "kind": "output"}, {"name": "x", "kind": "output"}]),
     "demo.mgraft: nodes[1].name: a node named 'x' already exists"),
    (_doc(nodes=[{"name": "1x", "kind": "output"}]), "demo.mgraft: nodes[0].name: node name '1x' is not valid"),
    (_doc(edges=[{"src": "x", "src_port": "output", "dst": "z", "dst_port": "input"}]),
     "demo.mgraft: edges[0]: there is no node named 'z'"),
    (_doc(edges=[{"src": "x", "src_port": "out", "dst": "y", "dst_port": "input"}]),
     "demo.mgraft: edges[0]: node 'x' has no output named 'out' (its outputs: 'output')"),
    (_doc(edges=[{"src": "x", "src_port": "output", "dst": "y", "dst_port": "input"}] * 2),
     "demo.mgraft: edges[1]: 'y' input is already connected to 'x' output; disconnect it first"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_GRAPH)
def test_bad_nodes_and_edges_name_the_field_when_the_graph_is_rebuilt(tmp_path, catalog, raw, message):
    path = tmp_path / "demo.mgraft"
    path.write_text(raw)
    read_project(path)
    with pytest.raises(ProjectFileError) as info:
        open_project(path, catalog)
    assert str(info.value).startswith(message)


def test_version_0_files_are_migrated(tmp_path, catalog):
    v0 = {"format": "modelgraft-project", "version": 0, "name": "old",
          "nodes": [{"name": "x", "kind": "input", "params": {"shape": [3]}, "x": 5, "y": 6},
                    {"name": "y", "kind": "output", "params": {}}],
          "edges": [["x:output", "y:input"]]}
    path = tmp_path / "old.mgraft"
    path.write_text(json.dumps(v0))
    data, graph = open_project(path, catalog)
    assert data.version == CURRENT_VERSION
    assert graph.node("x").position == (5.0, 6.0) and graph.node("y").position == (0.0, 0.0)
    assert [e.key() for e in graph.edges] == [("x", "output", "y", "input")]
    assert (data.data, data.training) == ({}, {})


def test_bad_version_0_edge_names_the_field(tmp_path):
    v0 = {"format": "modelgraft-project", "version": 0, "name": "old", "nodes": [],
          "edges": [["x:output", "y"]]}
    with pytest.raises(ProjectFileError) as info:
        parse_project(json.dumps(v0), "old.mgraft")
    assert str(info.value) == "old.mgraft: edges[0][1] (format 0): must look like 'node:port', got 'y'"


def test_read_project_of_missing_file_and_directory(tmp_path):
    with pytest.raises(ProjectFileError, match="project file 'none.mgraft' does not exist"):
        read_project(tmp_path / "none.mgraft")
    with pytest.raises(ProjectFileError, match="is a directory, not a project file"):
        read_project(tmp_path)


def test_write_and_read_project_data_directly(tmp_path, catalog):
    data = ProjectData(name="direct")
    write_project(tmp_path / "d.mgraft", data)
    assert read_project(tmp_path / "d.mgraft") == data
    assert len(data_to_graph(data, tmp_path, catalog)) == 0
    assert graph_to_data(Graph(catalog), tmp_path, "direct") == data
