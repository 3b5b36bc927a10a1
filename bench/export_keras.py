""".keras export of a composite ÷ model.save of the same built model (goal ≤ 1.1).

The export is atomic and durable (temp file, fsync, rename); plain ``model.save`` does not
fsync. A second row compares with ``model.save`` followed by an fsync, the same durability,
to show how much of the difference that is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.common import report, timed_pair
from bench.ports_resnet import resnet_file


def main() -> None:
    import modelgraft as mg
    from modelgraft.engine import runtime

    tmp = Path(tempfile.mkdtemp(prefix="mg-bench-"))
    p = mg.Project("bench")
    x = p.add_input("image", shape=(224, 224, 3))
    net = p.add_model(resnet_file(), name="resnet")
    p.connect(x, net)
    p.connect(net, p.add_output("probs"))
    model = p.build()
    p.export(str(tmp / "warm.keras"))
    def save_and_fsync() -> None:
        runtime.run(model.save, str(tmp / "durable.keras"))
        fd = os.open(tmp / "durable.keras", os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)

    ours, anchor = timed_pair(lambda: p.export(str(tmp / "ours.keras")),
                              lambda: runtime.run(model.save, str(tmp / "anchor.keras")), 7)
    report(".keras export ÷ model.save (ResNet50 composite)", ours, 1.1, "ratio", anchor)
    ours, durable = timed_pair(lambda: p.export(str(tmp / "ours.keras")), save_and_fsync, 7)
    report(".keras export ÷ (model.save + fsync)", ours, 1.1, "ratio", durable)


if __name__ == "__main__":
    main()
