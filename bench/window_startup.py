"""Main window visible ÷ ``python -c "import tensorflow"`` (goal ≤ 0.4).

Both are timed from process start in fresh subprocesses, alternating, fastest of each. The
workbench child runs the real ``modelgraft gui`` start-up path (no project) and prints a
line from a zero-delay timer queued right after ``show()``, i.e. once the event loop has
shown the window; it then checks that TensorFlow is still not imported and exits at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

from bench.common import report

CHILD = """
import os, sys
from modelgraft.ui.app import run

def shown():
    print("shown" if "tensorflow" not in sys.modules else "tensorflow-imported", flush=True)
    os._exit(0)

run(on_shown=shown)
"""
REPEAT = 5


def _env(home: str) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "XDG_CONFIG_HOME": os.path.join(home, "config"), "XDG_DATA_HOME": os.path.join(home, "data"),
            "MODELGRAFT_RECOVERY_DIR": os.path.join(home, "recovery"), "TF_CPP_MIN_LOG_LEVEL": "3"}


def window_visible(env: dict[str, str]) -> float:
    """Milliseconds from spawning the workbench process to its window being shown."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    elapsed = (time.perf_counter() - start) * 1000
    proc.wait()
    if line != "shown":
        raise RuntimeError(f"the workbench did not report its window ({line or 'no output'})")
    return elapsed


def import_tensorflow(env: dict[str, str]) -> float:
    """Milliseconds for ``python -c "import tensorflow"``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow"], check=True, env=env)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        ours: list[float] = []
        anchor: list[float] = []
        for _ in range(REPEAT):
            ours.append(window_visible(env))
            anchor.append(import_tensorflow(env))
    report('main window visible ÷ python -c "import tensorflow"', min(ours), 0.4, "ratio", min(anchor))


if __name__ == "__main__":
    main()
