"""The pre-load scan finds what Keras's safe mode refuses and what runs code from outside Keras."""

from __future__ import annotations

import pytest

from modelgraft.core.errors import UnsafeModelError
from modelgraft.io import check_safe, read_model_config, scan_config

SAFE = ["seq.keras", "seq.h5", "multi.keras", "multi.h5", "nested.keras", "dict.keras",
        "own.keras", "stack.keras", "saved", "seq_dir"]


@pytest.mark.parametrize("name", SAFE)
def test_safe_models_pass(models, name):
    check_safe(models[name])


@pytest.mark.parametrize(("name", "message"), [
    ("lambda.keras", "model 'lambda.keras' contains a Lambda layer at 'outer/lambda_1' whose code "
                     "would run when loaded; load it only if you trust the file (trusted=True)"),
    ("lambda.h5", "model 'lambda.h5' contains a Lambda layer at 'outer/lambda_1' whose code "
                  "would run when loaded; load it only if you trust the file (trusted=True)"),
    ("wrapped.keras", "model 'wrapped.keras' contains a Lambda layer at 'td/lam_in' whose code "
                      "would run when loaded; load it only if you trust the file (trusted=True)"),
    ("tfsm.keras", "model 'tfsm.keras' contains a SavedModel layer at 'tfsm' that loads the SavedModel"),
    ("custom.keras", "model 'custom.keras' uses the custom object 'thirdparty>Scale' at 'scale', "
                     "code from outside Keras that would run when loaded; load it only if you trust"),
])
def test_unsafe_models_are_refused_with_the_layer_path(models, name, message):
    with pytest.raises(UnsafeModelError) as info:
        check_safe(models[name])
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("name", ["lambda.keras", "wrapped.keras", "tfsm.keras"])
def test_what_the_scan_refuses_keras_safe_mode_refuses_too(keras, models, name):
    with pytest.raises(Exception, match="safe_mode"):
        keras.saving.load_model(models[name], compile=False, safe_mode=True)


def test_findings_list_every_layer_with_its_code(models):
    config = read_model_config(models["wrapped.keras"])
    findings = scan_config(config, "wrapped.keras")
    assert [(f.path, f.code) for f in findings] == [("td/lam_in", "lambda")]


def test_scan_walks_bidirectional_cells_and_reports_foreign_functions():
    config = {"class_name": "Sequential", "module": "keras", "config": {"name": "s", "layers": [
        {"class_name": "Bidirectional", "module": "keras.layers", "config": {
            "name": "bi",
            "layer": {"class_name": "RNN", "module": "keras.layers", "config": {
                "name": "rnn",
                "cell": {"class_name": "Cell", "module": "mylib.cells", "registered_name": None,
                         "config": {"name": "mycell"}}}},
            "backward_layer": {"class_name": "LSTM", "module": "keras.layers", "config": {
                "name": "back",
                "activation": {"module": "mylib.acts", "class_name": "function",
                               "config": "swoosh", "registered_name": "mylib>swoosh"},
                "recurrent_activation": {"class_name": "__lambda__",
                                         "config": {"code": "AAAA", "defaults": None}}}}}},
        {"class_name": "Dense", "module": "keras.layers", "config": {
            "name": "d", "activation": {"module": "builtins", "class_name": "function",
                                        "config": "relu", "registered_name": None}}},
        {"class_name": "Lambda", "module": "keras.layers", "config": {
            "name": "named_fn", "function": {"module": "mylib", "class_name": "function",
                                             "config": "f", "registered_name": "f"}}},
    ]}}
    findings = scan_config(config, "s.keras")
    assert [(f.path, f.code) for f in findings] == [
        ("bi/rnn/mycell", "custom"), ("bi/back", "custom"), ("bi/back", "bytecode"),
        ("named_fn", "lambda")]
    assert findings[1].message == (
        "model 's.keras' uses the function 'mylib>swoosh' from module 'mylib.acts' at 'bi/back' "
        "(in 'activation'), code from outside Keras that would run when loaded")
    assert findings[2].message == (
        "model 's.keras' holds a Python lambda at 'bi/back' (in 'recurrent_activation') whose "
        "code would run when loaded")
    assert findings[3].message == (
        "model 's.keras' contains a Lambda layer at 'named_fn' that calls the function 'f' "
        "from module 'mylib'")


def test_modelgraft_layers_and_legacy_registered_names():
    own = {"class_name": "Cast", "module": None, "registered_name": "modelgraft>Cast",
           "config": {"name": "c"}}
    legacy = {"class_name": "mine>Scale", "config": {"name": "sc"}}
    config = {"class_name": "Sequential", "config": {"name": "m", "layers": [own, legacy]}}
    assert [(f.path, f.code) for f in scan_config(config, "m.h5")] == [("sc", "custom")]
