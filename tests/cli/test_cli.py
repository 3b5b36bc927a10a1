"""The modelgraft command, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import modelgraft as mg

ENV = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "modelgraft", *args], capture_output=True, text=True,
                          env=ENV, timeout=300)


@pytest.fixture(scope="module")
def project(models: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    shutil.copy(models["keras"], root / "enc.keras")
    p = mg.Project("cli")
    x = p.add_input("x", shape=(4,))
    enc = p.add_model(str(root / "enc.keras"), name="enc")
    p.connect(x, enc)
    p.connect(enc, p.add_output("y"))
    return p.save(root / "ok.mgraft")


def test_inspect_prints_ports_and_json(models: dict[str, Any]) -> None:
    out = run("inspect", str(models["multi"]), "--layers")
    assert out.returncode == 0, out.stderr
    assert "inputs:" in out.stdout and "parameters:" in out.stdout and "Dense" in out.stdout
    assert out.stderr == "", "no TensorFlow noise by default"
    data = json.loads(run("inspect", str(models["two_sigs"]), "--endpoint", "score", "--json").stdout)
    assert data["format"] == "savedmodel" and sorted(data["endpoints"]) == ["multi", "score"]
    assert [e["name"] for e in data["inputs"]] == ["features"]


def test_check_exit_codes(project: Path, tmp_path: Path) -> None:
    ok = run("check", str(project))
    assert ok.returncode == 0 and "valid" in ok.stdout, ok.stdout + ok.stderr
    broken = json.loads(project.read_text())
    broken["edges"] = broken["edges"][:1]
    bad = project.with_name("unconnected.mgraft")
    bad.write_text(json.dumps(broken))
    problems = run("check", str(bad), "--json")
    assert problems.returncode == 1
    report = json.loads(problems.stdout)
    assert not report["valid"] and report["problems"][0]["code"] == "unconnected"
    (tmp_path / "junk.mgraft").write_bytes(os.urandom(256))
    junk = run("check", str(tmp_path / "junk.mgraft"))
    assert junk.returncode == 2 and "junk.mgraft" in junk.stderr
    assert "Traceback" not in junk.stderr and len(junk.stderr.strip().splitlines()) == 1


def test_export_with_verify(project: Path, tmp_path: Path) -> None:
    out = run("export", str(project), "--format", "savedmodel", "-o", str(tmp_path / "sm"), "--verify")
    assert out.returncode == 0, out.stderr
    assert "verified: outputs match on 8 probe samples" in out.stdout
    assert (tmp_path / "sm" / "saved_model.pb").is_file()


@pytest.mark.parametrize("args, words", [
    (("inspect", "no/such/model.keras"), "model file 'model.keras' does not exist"),
    (("check", "no/such/project.mgraft"), "project.mgraft"),
    (("export", "no/such/project.mgraft", "-o", "x.keras"), "project.mgraft"),
])
def test_user_errors_exit_2_with_one_line(args: tuple[str, ...], words: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert words in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.startswith("modelgraft: error: ") and len(out.stderr.strip().splitlines()) == 1


def test_unsafe_model_is_refused_on_the_command_line(models: dict[str, Any]) -> None:
    out = run("inspect", str(models["lam_keras"]))
    assert out.returncode == 2 and "Lambda layer at 'lambda_1'" in out.stderr
    assert run("inspect", str(models["lam_keras"]), "--trusted").returncode == 0


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"modelgraft {mg.__version__}"
    help_text = run("--help").stdout
    for command in ("inspect", "check", "export", "demo"):
        assert command in help_text
