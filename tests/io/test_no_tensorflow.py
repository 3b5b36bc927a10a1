"""modelgraft.io must stay usable without TensorFlow: importing it must not load it."""

from __future__ import annotations

import subprocess
import sys


def test_importing_io_and_reading_a_signature_does_not_import_tensorflow(models):
    code = (
        "import sys, modelgraft.io as io\n"
        f"io.read_signature({str(models['multi.keras'])!r})\n"
        f"io.read_signature({str(models['multi.h5'])!r})\n"
        "bad = [m for m in ('tensorflow', 'keras', 'PySide6', 'pyqtgraph') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
