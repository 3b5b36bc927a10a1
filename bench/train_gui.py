"""Training with the workbench attached: speed against headless, and the GUI's longest stalls.

One process trains the S10 example on bound NPZ data (32 768 rows, batch 32, 4 epochs) two
ways, alternating, after a warm-up of each:

* headless: ``train_api.train(project)`` on the engine thread, as ``modelgraft train`` does;
* GUI: the main window (offscreen) with the project open, Run ▸ Train, the Training panel
  drawing the live curves, the status bar showing progress.

Both times are taken on the engine thread around the same ``train_api.train`` call, in
fifteen pairs whose order alternates (headless first, then GUI first, …) so drift on this
shared machine hits both alike; the median of each is reported (single runs vary by ±15 %
here, so the fastest of a few was mostly luck). Then three more GUI runs train with a 10 ms
``QTimer`` heartbeat on the GUI thread: the probe that measures stalls wakes the GUI thread
a hundred times a second, which a user's window does not do, so it stays out of the
speed runs. Rows:

* training ms/step with the GUI attached ÷ headless (goal ≤ 1/0.95 ≈ 1.053, i.e. steps/s
  ratio ≥ 0.95);
* the longest gap between heartbeat ticks while the GUI runs train (goal ≤ 50 ms), and the
  99th percentile of the gaps (goal ≤ 20 ms).

It also prints (no goal) the GUI thread's CPU time per second of training, and how long Stop
takes, from the click to the run's end.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import report

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
ROWS, BATCH, EPOCHS, PAIRS, HEARTBEAT_RUNS = 32768, 32, 4, 15, 3


def _project(folder: Path) -> Path:
    from modelgraft.engine import runtime

    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
    examples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(examples)  # type: ignore[union-attr]
    p = examples.build_project("s10_two_datasets", folder,
                               runtime.run(examples.build_sources, "s10_two_datasets", folder))
    examples.bind_s10_data(p, folder, ROWS, validation=0.0)
    p.training = {"batch_size": BATCH, "epochs": EPOCHS, "seed": 0}
    return p.save(folder / "project.mgraft")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    from modelgraft import Project, train_api
    from modelgraft.engine import runtime
    from modelgraft.ui.bridge import EngineBridge
    from modelgraft.ui.document import Document
    from modelgraft.ui.main_window import MainWindow
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 - kept alive for the run
    doc = Document(EngineBridge())  # first, as in the app: TensorFlow starts after the window
    folder = Path(tempfile.mkdtemp(prefix="mg-bench-gui-"))
    path = _project(folder)
    headless = Project.load(path)

    def train_headless() -> float:
        start = time.perf_counter()
        runtime.run(train_api.train, headless)
        return time.perf_counter() - start

    window = MainWindow(doc, doc.bridge, recovery_dir=folder / "recovery")
    window.resize(1440, 900)
    window.show()
    window.load(path)
    controller = window.training.controller
    gaps: list[float] = []

    def wait(condition: Any) -> None:
        """Run the event loop (idle, as in the app) until ``condition()`` holds."""
        loop = QEventLoop()
        check = QTimer()
        check.setInterval(20)
        check.timeout.connect(lambda: condition() and loop.quit())
        check.start()
        if not condition():
            loop.exec()
        check.stop()

    wait(lambda: not doc.loading and not doc.bridge.busy)

    gui_cpu: list[float] = []  # the GUI thread's CPU seconds per second of training, per run

    def train_gui(probe: bool) -> float:
        """One GUI run (its seconds of training); ``probe``: with the heartbeat ticking."""
        outcome: list[Any] = []
        last = [time.perf_counter()]
        cpu = time.thread_time()

        def beat() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setInterval(10)
        heartbeat.timeout.connect(beat)
        controller.run_finished.connect(outcome.append)
        if probe:
            heartbeat.start()
            last[0] = time.perf_counter()
        controller.train()
        wait(lambda: bool(outcome))
        heartbeat.stop()
        controller.run_finished.disconnect(outcome.append)
        if outcome[0].error:
            raise RuntimeError(outcome[0].error)
        gui_cpu.append((time.thread_time() - cpu) / outcome[0].seconds)
        return outcome[0].seconds

    train_headless()
    train_gui(False)
    ours, anchor = [], []
    for pair in range(PAIRS):
        if pair % 2:
            ours.append(train_gui(False))
            anchor.append(train_headless())
        else:
            anchor.append(train_headless())
            ours.append(train_gui(False))
    steps = ROWS / BATCH * EPOCHS
    gui, headless = statistics.median(ours), statistics.median(anchor)
    print(f"# headless {steps / headless:.0f} steps/s, GUI {steps / gui:.0f} steps/s (medians); "
          f"GUI {[round(t, 2) for t in ours]}, headless {[round(t, 2) for t in anchor]}; GUI thread "
          f"{1000 * statistics.median(gui_cpu):.0f} ms CPU per s of training (includes starting and ending runs)")
    for _ in range(HEARTBEAT_RUNS):
        train_gui(True)
    print(f"# {len(gaps)} heartbeats in {HEARTBEAT_RUNS} GUI runs")

    started: list[float] = []
    controller.event.connect(lambda _e: started or started.append(time.perf_counter()))
    ended: list[float] = []
    controller.run_finished.connect(lambda _o: ended.append(time.perf_counter()))
    controller.train()
    wait(lambda: bool(started))
    pause = time.perf_counter() + 0.3
    wait(lambda: time.perf_counter() > pause)
    pressed = time.perf_counter()
    controller.stop()
    wait(lambda: bool(ended))
    print(f"# Stop → run ended: {(ended[0] - pressed) * 1000:.0f} ms (includes the epoch's validation)")

    report("train ms/step with the GUI attached ÷ headless (S10)", gui / steps * 1000, 1.053, "ratio",
           headless / steps * 1000)
    report("GUI heartbeat longest gap while training", max(gaps), 50.0, "max")
    report("GUI heartbeat p99 gap while training", _percentile(gaps, 0.99), 20.0, "max")
    doc.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
