"""Crash recovery with real processes: the workbench is SIGKILLed after an autosave, and the next
start offers the unsaved changes back; a second instance running at the same time is not
mistaken for a crash.

Every instance is ``modelgraft.ui.app.run`` (what ``modelgraft gui`` runs) in its own process,
with HOME and the XDG directories pointed into ``tmp_path``, so the default recovery
directory (``<AppDataLocation>/recovery``) and settings are the real ones, just sandboxed.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import modelgraft

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX"),
]

DRIVER = Path(__file__).with_name("edit_and_crash.py")
TIMEOUT_S = 240.0


class Instance:
    """One workbench process; its stdout read line by line, every wait bounded."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), *args], env=env, cwd=cwd,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err.append), daemon=True).start()

    @staticmethod
    def _pump(stream: Any, put: Any) -> None:
        for line in stream:
            put(line.rstrip("\n"))
        put(None)

    def expect(self, word: str) -> str:
        """The rest of the next stdout line, which must start with ``word``."""
        try:
            line = self.lines.get(timeout=TIMEOUT_S)
        except queue.Empty:
            raise AssertionError(f"no '{word}' within {TIMEOUT_S:.0f} s; stderr: {self.err[-20:]}") from None
        assert line is not None, f"the workbench exited ({self.proc.poll()}) before '{word}': {self.err[-20:]}"
        assert line.split(" ", 1)[0] == word, line
        return line.split(" ", 1)[1] if " " in line else ""

    def state(self) -> dict[str, Any]:
        return json.loads(self.expect("state"))

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Any]:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MODELGRAFT_"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), QT_QPA_PLATFORM="offscreen", TF_CPP_MIN_LOG_LEVEL="3")
    home.mkdir()
    instances: list[Instance] = []

    def start(*args: str) -> Instance:
        instances.append(Instance(env, tmp_path, *args))
        return instances[-1]

    yield start
    for instance in instances:
        instance.close()


@pytest.fixture
def project(tmp_path: Path, models: dict[str, Any]) -> Path:
    """A small project in tmp: x → a Keras model → rescale → y, with x bound to an NPY file."""
    work = tmp_path / "work"
    (work / "models").mkdir(parents=True)
    (work / "data").mkdir()
    shutil.copy(models["keras"], work / "models" / "model_a.keras")
    np.save(work / "data" / "x.npy", np.zeros((16, 4), "float32"))
    p = modelgraft.Project("project")
    x = p.add_input("x", shape=(4,))
    model = p.add_model(work / "models" / "model_a.keras", name="model_a", load=False)
    scale = p.add_node("rescale", name="scale", scale=2.0)
    y = p.add_output("y")
    p.connect(x, model)
    p.connect(model, scale)
    p.connect(scale, y)
    p.bind_data("x", work / "data" / "x.npy")
    return p.save(work / "project.mgraft")


def test_a_killed_workbench_offers_its_unsaved_edits_at_the_next_start(launch, project: Path,
                                                                        tmp_path: Path) -> None:
    before = project.read_bytes()
    work = project.parent

    crashed = launch("edit", str(project))
    recovery_file = Path(crashed.expect("autosaved"))
    recovery_dir = recovery_file.parent
    assert recovery_dir.is_relative_to(tmp_path / "home" / "data"), recovery_dir
    assert recovery_dir.name == "recovery" and recovery_file.suffix == ".mgraft"
    assert '"rescued"' in recovery_file.read_text()

    # a second instance while the first still runs: nothing offered, the first's files kept
    second = launch("probe")
    seen = second.state()
    assert seen["offered"] == [] and seen["path"] is None and not seen["dirty"]
    assert Path(seen["recovery_dir"]) == recovery_dir
    assert recovery_file.exists()

    crashed.kill()  # mid-session, unsaved edits, the autosave on disk
    second.kill()   # a dead instance with nothing to recover: only its lock is left
    assert project.read_bytes() == before, "the crash did not touch the project file"
    assert len(list(recovery_dir.glob("*.lock"))) == 2

    third = launch("restore")
    restored = third.state()
    prompt = "ModelGraft did not close properly. Restore the unsaved changes to project.mgraft?"
    assert restored["offered"] == [prompt]
    assert restored["path"] == str(project) and restored["dirty"]
    assert restored["title"] == "project[*] — ModelGraft" and restored["modified"]
    nodes = restored["nodes"]
    assert nodes["y"]["loss"] == "mae" and nodes["rescued"] == {"scale": 0.5, "offset": 0.0}
    assert nodes["model_a"]["path"] == str(work / "models" / "model_a.keras")
    assert restored["outputs"]["model_a"] == ["(None, 3) float32"], "the model loaded from its file"
    assert restored["data"]["bindings"]["x"]["source"] == str(work / "data" / "x.npy")
    assert third.expect("saved") == ""
    assert third.proc.wait(timeout=60) == 0

    saved = modelgraft.Project.load(project, load_models=False)
    assert saved["y"].params["loss"] == "mae" and saved["rescued"].params["scale"] == 0.5
    stored = json.loads(project.read_text())
    paths = {n["name"]: n["params"].get("path") for n in stored["nodes"]}
    assert paths["model_a"] == "models/model_a.keras", "model paths relative to the project again"
    assert stored["data"]["bindings"]["x"]["source"] == "data/x.npy"
    assert sorted(os.listdir(recovery_dir)) == [], "restored, saved, quit: nothing left to recover"
