"""Starting the workbench: `modelgraft gui`, the window before TensorFlow, screenshots of every example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from modelgraft.ui.actions import example_projects
from modelgraft.ui.app import SCREENSHOT_SIZE, render, wait_until_idle
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = example_projects()


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3",
            "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
            "MODELGRAFT_RECOVERY_DIR": str(tmp_path / "recovery")}


def test_gui_screenshot_writes_a_full_window_png(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    project = ROOT / "resources" / "examples" / "s1_feature_head" / "project.mgraft"
    proc = subprocess.run([sys.executable, "-m", "modelgraft", "gui", str(project), "--screenshot", str(out)],
                          capture_output=True, text=True, env=_env(tmp_path), timeout=180)
    assert proc.returncode == 0, proc.stderr
    image = QImage(str(out))
    assert image.width() >= 1280 and image.height() >= 800


def test_gui_screenshot_of_an_unreadable_project_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mgraft"
    bad.write_text("not json")
    proc = subprocess.run([sys.executable, "-m", "modelgraft", "gui", str(bad), "--screenshot",
                           str(tmp_path / "x.png")], capture_output=True, text=True, env=_env(tmp_path),
                          timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "bad.mgraft" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()


SHOWN = """
import os, sys
from modelgraft.ui.app import run

def shown():
    print("tensorflow" in sys.modules, flush=True)
    os._exit(0)

run(on_shown=shown)
"""


def test_the_window_shows_before_tensorflow_is_imported(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", SHOWN], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False", "the window shows before TensorFlow is imported"


def test_modelgraft_without_a_command_runs_the_workbench(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "modelgraft"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(tmp_path))
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=4)  # the help text would exit at once; the window's event loop runs
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert "usage:" not in out and "Traceback" not in err


def test_every_bundled_example_opens_and_screenshots_cleanly(qtbot: Any, tmp_path: Path) -> None:
    assert len(EXAMPLES) == 12
    doc = Document(EngineBridge())
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(doc, doc.bridge, settings=settings, recovery_dir=tmp_path / "recovery")
    window.resize(SCREENSHOT_SIZE)
    window.show()
    messages: list[str] = []
    doc.message.connect(messages.append)
    for project in EXAMPLES:
        assert window.load(project), project
        assert wait_until_idle(window, timeout_s=120), project
        image = render(window, tmp_path / f"{project.parent.name}.png")
        assert image.width() >= 1280 and image.height() >= 800
        assert len(doc.graph) > 0 and not doc.loading
        assert not [b for b in window.findChildren(QMessageBox) if b.isVisible()], project
        errors = [p for p in doc.project.check() if p.severity == "error"]
        assert not errors, f"{project.parent.name}: {errors}"
    assert messages == [], messages
    doc.undo_stack.setClean()
    window.close()
    window.deleteLater()


def _headless_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}


def test_project_argument_alone_opens_it_and_headless_screenshots_work(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "resources" / "examples" / "s4_reshape" / "project.mgraft"
    png = tmp_path / "s4.png"
    out = subprocess.run([sys.executable, "-m", "modelgraft", str(example), "--screenshot", str(png)],
                         capture_output=True, text=True, env=_headless_env(), timeout=300)
    assert out.returncode == 0, out.stderr
    assert QImage(str(png)).width() >= 1280


def test_no_display_without_screenshot_is_one_line_not_a_crash() -> None:
    out = subprocess.run([sys.executable, "-m", "modelgraft", "gui"], capture_output=True, text=True,
                         env=_headless_env(), timeout=300)
    assert out.returncode == 2
    assert out.stderr.strip() == ("modelgraft: error: there is no display to open the workbench on "
                                  "(DISPLAY and WAYLAND_DISPLAY are unset); use --screenshot PNG, or the "
                                  "check/export/train commands")
