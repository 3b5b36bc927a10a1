"""Node ports from a ResNet50-sized .keras file without TensorFlow (goal ≤ 100 ms).

The file is made once in a separate process (that one imports TensorFlow); the timing
process reads it with modelgraft.io only and checks TensorFlow stays unimported.
"""

from __future__ import annotations

import subprocess
import sys

from bench.common import OUT, report, timed

MAKE = """
import sys, keras
keras.applications.ResNet50(weights=None).save(sys.argv[1])
"""


def resnet_file() -> str:
    """The ResNet50 .keras file (made on first use)."""
    path = OUT / "resnet50.keras"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-c", MAKE, str(path)], check=True)
    return str(path)


def main() -> None:
    path = resnet_file()
    from modelgraft.io import read_signature

    ms = timed(lambda: read_signature(path), 10)
    assert "tensorflow" not in sys.modules
    report("ports of a ResNet50 .keras without TensorFlow", ms, 100.0, "max")


if __name__ == "__main__":
    main()
