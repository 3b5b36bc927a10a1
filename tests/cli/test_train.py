"""``modelgraft train`` through subprocesses: a saved project with NPZ data bindings, user errors,
and two multi-worker processes on 127.0.0.1."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from modelgraft.engine import runtime

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
examples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(examples)  # type: ignore[union-attr]
COMMAND = [sys.executable, "-m", "modelgraft", "train"]


@pytest.fixture(scope="module")
def project_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("s10cli")
    p = examples.build_project("s10_two_datasets", folder, runtime.run(examples.build_sources,
                                                                        "s10_two_datasets", folder))
    examples.bind_s10_data(p, folder, rows=192)
    p.training = {"seed": 1, "batch_size": 16}
    return p.save(folder / "project.mgraft")


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND + args, check=False, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})})


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_train_writes_history_model_and_run(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run([str(project_file), "--epochs", "2", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    history = rows(out / "history.csv")
    assert [r["epoch"] for r in history] == ["1", "2"]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history[0])
    assert (out / "model.keras").is_file()
    record = json.loads((out / "run.json").read_text())
    assert record["status"] == "finished" and record["epochs"] == 2
    assert (project_file.parent / "runs" / record["id"] / "best.weights.h5").is_file()
    assert "epoch 2/2" in proc.stderr  # the progress bar


@pytest.mark.parametrize("args, message", [
    (["missing.mgraft"], "is not a project file"),
    (["{project}", "--epochs", "0"], "--epochs must be at least 1"),
    (["{project}", "--strategy", "multiworker"], "TF_CONFIG"),
])
def test_user_errors_exit_2_with_one_line(project_file: Path, args: list[str], message: str) -> None:
    proc = run([a.format(project=project_file) for a in args], env={"TF_CONFIG": ""})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("modelgraft: error:")


def test_jit_compile_flag_overrides_the_project_setting(project_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run([str(project_file), "--epochs", "1", "--jit-compile", "on", "--no-progress", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "run.json").read_text())
    assert record["settings"]["jit_compile"] is True and record["xla"] is True
    assert "jit_compile" not in json.loads(project_file.read_text())["training"]  # the project is unchanged
    bad = run([str(project_file), "--jit-compile", "maybe"])
    assert bad.returncode == 2 and "invalid choice: 'maybe'" in bad.stderr


def test_unbound_input_is_a_user_error(project_file: Path, tmp_path: Path) -> None:
    text = json.loads(project_file.read_text())
    text["data"]["bindings"].pop("side")
    broken = project_file.parent / "unbound.mgraft"
    broken.write_text(json.dumps(text))
    proc = run([str(broken), "--out", str(tmp_path)])
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "side" in proc.stderr


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_in_lockstep(project_file: Path, tmp_path: Path) -> None:
    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = []
    for index in range(2):
        config = json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})
        procs.append(subprocess.Popen(
            COMMAND + [str(project_file), "--epochs", "2", "--strategy", "multiworker", "--no-progress",
                       "--out", str(tmp_path / f"w{index}")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": config}))
    results = []
    for proc in procs:
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            raise
        results.append((proc.returncode, err))
    assert [r[0] for r in results] == [0, 0], results
    histories = [rows(tmp_path / f"w{i}" / "history.csv") for i in range(2)]
    assert len(histories[0]) == 2 and histories[0] == histories[1]
    keras = runtime.keras()
    models = [keras.saving.load_model(str(tmp_path / f"w{i}" / "model.keras"), compile=False) for i in range(2)]
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        assert np.array_equal(a, b)
    assert (tmp_path / "w0" / "run.json").is_file() and not (tmp_path / "w1" / "run.json").exists()
