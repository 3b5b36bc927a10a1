"""Exports: .keras, SavedModel and Python script, each verified in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import modelgraft as mg
from modelgraft.engine import runtime
from modelgraft.engine.verify import verify_export


def composite(models: dict[str, Any], source: str = "keras") -> mg.Project:
    """x (4,) → source model → normalize (given statistics) → dense head → y."""
    p = mg.Project("exported")
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(str(models[source]), name="enc", trainable=False)
    norm = p.add_node("normalize", name="norm", mode="standardize", mean=0.5, variance=4.0)
    head = p.add_node("dense", name="head", units=2, activation="tanh")
    p.connect(x, enc)
    p.connect(enc.outputs[0], norm)
    p.connect(norm, head)
    p.connect(head, p.add_output("y"))
    return p


def test_keras_export_reloads_safely_and_matches(models: dict[str, Any], tmp_path: Path) -> None:
    result = composite(models).export(tmp_path / "c.keras", format="keras", verify=True)
    assert result.verified and result.message == "verified: outputs match on 8 probe samples"
    assert sorted(os.listdir(tmp_path)) == ["c.keras"], "no temporary files left behind"


def test_savedmodel_export_runs_without_modelgraft(models: dict[str, Any], tmp_path: Path) -> None:
    result = composite(models).export(tmp_path / "sm", format="savedmodel", verify=True)
    assert result.verified and (tmp_path / "sm" / "saved_model.pb").is_file()
    code = ("import sys; sys.modules['modelgraft'] = None\n"
            "import tensorflow as tf\n"
            f"m = tf.saved_model.load({str(tmp_path / 'sm')!r})\n"
            "print(sorted(m.signatures))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "serve" in out.stdout


def test_python_export_is_a_readable_script_that_rebuilds_the_model(models: dict[str, Any],
                                                                      tmp_path: Path) -> None:
    result = composite(models).export(tmp_path / "rebuild.py", format="python", verify=True)
    assert result.verified
    text = (tmp_path / "rebuild.py").read_text()
    assert "keras.Input(shape=(4,), dtype='float32', name='x')" in text
    assert "load(" in text and "trainable=False" in text
    assert (tmp_path / "rebuild.weights.h5").is_file()


def test_export_replaces_an_existing_file_atomically(models: dict[str, Any], tmp_path: Path) -> None:
    target = tmp_path / "c.keras"
    target.write_bytes(b"old")
    composite(models).export(target, format="keras")
    assert target.read_bytes()[:2] == b"PK"
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "stale.txt").write_text("old export")
    composite(models).export(tmp_path / "sm", format="savedmodel")
    assert not (tmp_path / "sm" / "stale.txt").exists() and (tmp_path / "sm" / "saved_model.pb").exists()
    assert sorted(os.listdir(tmp_path)) == ["c.keras", "sm"]


def test_composite_with_a_savedmodel_part_exports_as_savedmodel(models: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    p = composite(models, source="exported")
    with pytest.raises(mg.ExportError, match="contains the SavedModel part 'enc'.*format 'savedmodel'"):
        p.export(tmp_path / "c.keras", format="keras")
    assert os.listdir(tmp_path) == []
    assert p.export(tmp_path / "sm", format="savedmodel", verify=True).verified


def test_bad_export_requests_say_what_is_wrong(models: dict[str, Any], tmp_path: Path) -> None:
    p = composite(models)
    with pytest.raises(mg.ExportError, match="unknown export format 'onnx'"):
        p.export(tmp_path / "c.onnx", format="onnx")
    with pytest.raises(mg.ExportError, match="'c.h5': a Keras export needs a file name ending in .keras"):
        p.export(tmp_path / "c.h5", format="keras")
    p.disconnect(p["y"])
    with pytest.raises(mg.BuildError, match="'y' input is not connected"):
        p.export(tmp_path / "c.keras")
    assert os.listdir(tmp_path) == []


def test_verify_catches_an_export_that_does_not_reproduce(models: dict[str, Any], tmp_path: Path) -> None:
    p = composite(models)
    p.export(tmp_path / "c.keras", format="keras")
    model = p.build()

    def perturb_and_verify() -> str:
        layer = model.get_layer("head")
        layer.bias.assign(layer.bias + 1.0)
        return verify_export(model, p.graph, str(tmp_path / "c.keras"), "keras")

    with pytest.raises(mg.ExportError, match="does not reproduce the model: output 'y' differs by up to"):
        runtime.run(perturb_and_verify)


def test_python_export_of_a_savedmodel_composite(models: dict[str, Any], tmp_path: Path) -> None:
    result = composite(models, source="exported").export(tmp_path / "c.py", format="python", verify=True)
    assert result.verified and "mgs.SavedModelLayer(" in (tmp_path / "c.py").read_text()


@pytest.mark.parametrize("fmt, name", [("keras", "m.keras"), ("savedmodel", "m_sm"), ("python", "m.py")])
def test_multi_input_multi_output_model_exports(models: dict[str, Any], tmp_path: Path, fmt: str,
                                                name: str) -> None:
    p = mg.Project("multi")
    image, meta = p.add_input("image", shape=(4,)), p.add_input("meta", shape=(2,), dtype="int32")
    m = p.add_model(str(models["multi"]), name="m")
    p.connect(image, m.input("image"))
    p.connect(meta, m.input("meta"))
    for port in m.outputs:
        p.connect(port, p.add_output(f"y_{port.name}"))
    assert len(m.outputs) >= 2 and p.check() == []
    assert p.export(tmp_path / name, format=fmt, verify=True).verified
