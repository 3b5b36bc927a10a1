"""Reading a model's ports from its file, compared with what Keras itself loads."""

from __future__ import annotations

import pytest

from modelgraft.core.errors import ModelFileError
from modelgraft.core.graph import Graph
from modelgraft.io import model_node_params, read_signature, sha256_file, signature_from_config


def _ports(sig):
    return ([(e["name"], e["shape"], e["dtype"]) for e in sig["inputs"]],
            [e["name"] for e in sig["outputs"]])


@pytest.mark.parametrize("name", ["seq.keras", "seq.h5", "seq_dir"])
def test_sequential_lstm_returning_sequences(models, name):
    sig = read_signature(models[name])
    assert _ports(sig) == ([("steps", [20, 8], "float32")], ["head"])
    assert sig["outputs"] == [{"name": "head", "shape": None, "dtype": None}]
    assert sig["params"] is None and sig["endpoints"] == [] and sig["ports_known"] is True
    assert sig["format"] == ("h5" if name.endswith(".h5") else "keras")


@pytest.mark.parametrize("name", ["multi.keras", "multi.h5"])
def test_multi_input_multi_output_with_nested_sequential(models, name):
    assert _ports(read_signature(models[name])) == (
        [("img", [32, 32, 3], "float32"), ("txt", [100], "int32")], ["scores", "inner_seq"])


@pytest.mark.parametrize(("name", "ports"), [
    ("nested.keras", ([("features", [5], "float32")], ["out"])),
    ("built.keras", ([("input_layer", [7], "float32")], ["only"])),
    ("stack.keras", ([("input_layer", [5], "float32")], ["last"])),
    ("dict.keras", ([("a", [2], "float32"), ("b", [3], "float32")], ["p", "q"])),
    ("lambda.keras", ([("lo", [4], "float32")], ["outer"])),
])
def test_other_model_shapes(models, name, ports):
    got = _ports(read_signature(models[name]))
    if name in ("built.keras", "stack.keras"):  # Keras numbers the InputLayers it creates
        assert got[0][0][0].startswith("input_layer") and got[0][0][1:] == ports[0][0][1:]
        assert got[1] == ports[1]
    else:
        assert got == ports


@pytest.mark.parametrize("name", ["seq.keras", "multi.keras", "nested.keras", "stack.keras",
                                  "multi.h5", "dict.keras"])
def test_signature_matches_the_model_keras_loads(keras, models, name):
    model = keras.saving.load_model(models[name], compile=False)
    sig = read_signature(models[name])
    assert [(t.shape[1:], t.dtype) for t in model.inputs] == [
        (tuple(e["shape"]), e["dtype"]) for e in sig["inputs"]]
    expected = getattr(model, "output_names", None) or [model.layers[-1].name]
    assert [e["name"] for e in sig["outputs"]] == list(expected)


def test_savedmodel_ports_are_left_to_the_engine(models):
    assert read_signature(models["saved"]) == {
        "format": "savedmodel", "inputs": [], "outputs": [], "params": None, "endpoints": [],
        "ports_known": False}


def test_subclassed_model_config_has_unknown_ports():
    sig = signature_from_config({"class_name": "MyModel", "config": {"units": 3},
                                 "registered_name": "mine>MyModel"}, "sub.keras")
    assert sig["ports_known"] is False and sig["inputs"] == [] and sig["outputs"] == []


def test_keras2_h5_sequential_without_input_layer():
    config = {"class_name": "Sequential", "config": {"name": "old", "layers": [
        {"class_name": "Dense", "config": {"name": "d1", "batch_input_shape": [None, 12],
                                           "dtype": "float32", "units": 4}},
        {"class_name": "Dense", "config": {"name": "d2", "units": 1}}]}}
    assert _ports(signature_from_config(config, "old.h5", "h5")) == (
        [("d1_input", [12], "float32")], ["d2"])


def test_sequential_starting_with_a_nested_model_takes_its_inputs():
    inner = {"class_name": "Functional", "config": {
        "name": "enc", "layers": [{"class_name": "InputLayer", "name": "x",
                                   "config": {"name": "x", "batch_shape": [None, 5], "dtype": "int64"}}],
        "input_layers": ["x", 0, 0], "output_layers": ["x", 0, 0]}}
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        inner, {"class_name": "Dense", "config": {"name": "top"}}]}}
    assert _ports(signature_from_config(config, "s.keras")) == ([("x", [5], "int64")], ["top"])


def test_unsupported_dtype_and_unbuilt_model_are_explained():
    config = {"class_name": "Functional", "config": {
        "layers": [{"class_name": "InputLayer", "name": "z",
                    "config": {"name": "z", "batch_shape": [None, 2], "dtype": "complex64"}}],
        "input_layers": [["z", 0, 0]], "output_layers": [["z", 0, 0]]}}
    with pytest.raises(ModelFileError, match="input 'z' of model 'c.keras' has dtype complex64"):
        signature_from_config(config, "c.keras")
    unbuilt = {"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 1}}]}}
    with pytest.raises(ModelFileError, match="model 'u.keras' has no inputs"):
        signature_from_config(unbuilt, "u.keras")


def test_repeated_output_layers_get_unique_port_names():
    config = {"class_name": "Functional", "config": {
        "layers": [{"class_name": "InputLayer", "name": "i",
                    "config": {"name": "i", "batch_shape": [None, None, 3], "dtype": "float32",
                               "ragged": True}},
                   {"class_name": "LSTM", "name": "rnn", "config": {"name": "rnn"}}],
        "input_layers": [["i", 0, 0]], "output_layers": [["rnn", 0, 0], ["rnn", 0, 1]]}}
    sig = signature_from_config(config, "r.keras")
    assert [e["name"] for e in sig["outputs"]] == ["rnn", "rnn_1"]
    assert sig["inputs"] == [{"name": "i", "shape": [None, 3], "dtype": "float32", "ragged": True}]


def test_model_node_params_make_a_model_node_without_tensorflow(models, catalog):
    params = model_node_params(models["multi.keras"])
    assert params["sha256"] == sha256_file(models["multi.keras"])
    graph = Graph(catalog)
    node = graph.add_node("model", params)
    assert node.name == "multi"
    assert [p.name for p in node.inputs] == ["img", "txt"]
    assert str(node.input("txt").expected) == "(None, 100) int32"
    assert [p.name for p in node.outputs] == ["scores", "inner_seq"]


def test_resnet50_sized_archive(resnet):
    sig = read_signature(resnet)
    (entry,) = sig["inputs"]
    assert entry["name"].startswith("input_layer")
    assert (entry["shape"], entry["dtype"]) == ([224, 224, 3], "float32")
    assert [e["name"] for e in sig["outputs"]] == ["predictions"]
