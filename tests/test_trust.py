"""Trust through the API and the CLI: a file with code is refused until trusted, and trust
is bound to the file's content (a changed file is scanned and refused again)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import modelgraft as mg
from modelgraft.core.errors import UnsafeModelError
from modelgraft.io import check_safe, prescan


def _lambda_model(path: Path, factor: float) -> Path:
    import keras

    inputs = keras.Input((4,), name="x")
    outputs = keras.layers.Lambda(lambda t: t * factor, name="scale")(inputs)
    keras.Model(inputs, outputs, name="with_code").save(path)
    return path


@pytest.fixture(scope="module")
def lambda_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _lambda_model(tmp_path_factory.mktemp("trust") / "code.keras", 2.0)


def test_a_file_with_code_is_refused_with_what_was_found(lambda_file: Path) -> None:
    findings = prescan(lambda_file)
    assert [f.code for f in findings] == ["lambda"]
    assert findings[0].path == "scale"
    with pytest.raises(UnsafeModelError) as err:
        mg.Project("p").add_model(lambda_file)
    assert str(err.value).startswith("model 'code.keras' contains a Lambda layer at 'scale'")
    assert str(err.value).endswith("load it only if you trust the file (trusted=True)")
    assert err.value.findings == findings
    assert check_safe(lambda_file, trusted=True) == findings


def test_trusted_loads_until_the_file_changes(tmp_path: Path) -> None:
    path = _lambda_model(tmp_path / "code.keras", 2.0)
    project = mg.Project("p")
    node = project.add_model(path, trusted=True, name="m")
    assert node.params["trusted"] is True and node.out_specs[0].shape == (4,)
    _lambda_model(path, 3.0)  # same name, other code: the recorded sha256 no longer matches
    project.session.forget()
    with pytest.raises(UnsafeModelError, match=r"^model file 'code\.keras' changed since it was "
                                                 r"trusted \(its sha256 differs\), so it is scanned again"):
        project.load_models()


def test_cli_inspect_refuses_code_and_trusted_loads_it(lambda_file: Path) -> None:
    run = [sys.executable, "-m", "modelgraft", "inspect", str(lambda_file)]
    refused = subprocess.run(run, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stderr
    assert "contains a Lambda layer at 'scale'" in refused.stderr and "Traceback" not in refused.stderr
    trusted = subprocess.run([*run, "--trusted"], capture_output=True, text=True, timeout=300)
    assert trusted.returncode == 0, trusted.stderr
    assert "trusted despite: model 'code.keras' contains a Lambda layer at 'scale'" in trusted.stderr
    outputs = trusted.stdout.split("outputs:")[1].split()
    assert outputs[:4] == ["scale", "(None,", "4)", "float32"], trusted.stdout
