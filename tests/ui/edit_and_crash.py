"""The workbench as ``modelgraft gui`` starts it, driven for ``test_crash_recovery.py``.

Usage: ``python edit_and_crash.py edit PROJECT | probe | restore``

Runs :func:`modelgraft.ui.app.run` (the ``modelgraft gui`` entry point, default settings,
default recovery directory) and, once the window is up:

- ``edit``: waits until PROJECT and its models have loaded, makes two edits through the
  undo stack (an inspector-style parameter change and a new node), writes the autosave
  now and prints ``autosaved PATH``; then it keeps running until it is killed.
- ``probe``: prints ``state {json}`` once start-up is done and keeps running.
- ``restore``: like ``probe``, then File ▸ Save, prints ``saved``, and quits cleanly.

A recovery prompt seen at start is answered "Restore" and its text reported in the state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from modelgraft.ui.app import run
from modelgraft.ui.commands import AddNodeCommand, SetParamsCommand
from modelgraft.ui.main_window import MainWindow

POLL_MS = 20
HIDDEN = ("signature", "sha256")


def say(line: str) -> None:
    print(line, flush=True)


def state(window: MainWindow, offered: list[str]) -> dict[str, Any]:
    doc = window.doc
    return {
        "offered": offered,
        "path": str(doc.path) if doc.path else None,
        "dirty": doc.dirty,
        "title": window.windowTitle(),
        "modified": window.isWindowModified(),
        "nodes": {node.name: {k: v for k, v in node.params.items() if k not in HIDDEN}
                  for node in doc.graph.nodes},
        "outputs": {node.name: [str(port.spec) for port in node.outputs] for node in doc.graph.nodes},
        "data": doc.project.data,
        "recovery_dir": str(window.autosave.directory),
    }


def idle(window: MainWindow) -> bool:
    return not window.doc.loading and not window.bridge.busy


def drive(mode: str, project: str | None) -> None:
    """Poll the running workbench and act once it is ready (called when the window shows)."""
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    offered: list[str] = []
    timer = QTimer(window)
    timer.setInterval(POLL_MS)

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "Recovery":
            offered.append(box.text())
            next(b for b in box.buttons() if b.text() == "Restore").click()
            return
        if box is not None or not idle(window):
            return
        if mode == "edit":
            if project is None or window.doc.path != Path(project).resolve():
                return
            timer.stop()
            doc = window.doc
            doc.push(SetParamsCommand(doc, "y", {"loss": "mae"}))
            doc.push(AddNodeCommand(doc, "rescale", {"scale": 0.5}, (120.0, 360.0), name="rescued"))
            say(f"autosaved {window.autosave.save_now()}")
            return
        timer.stop()
        say(f"state {json.dumps(state(window, offered), default=str)}")
        if mode == "restore":
            say("saved" if window.save() else "not saved")
            window.close()

    timer.timeout.connect(poll)
    timer.start()


def main(argv: list[str]) -> int:
    """Run the workbench in one of the modes above; its exit status."""
    mode, project = argv[0], (argv[1] if len(argv) > 1 else None)
    return run(project, on_shown=lambda: drive(mode, project))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
