""".keras export of a composite ÷ model.save of the same built model (goal ≤ 1.1)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import report, timed
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
    ours = timed(lambda: p.export(str(tmp / "ours.keras")), 3)
    anchor = timed(lambda: runtime.run(model.save, str(tmp / "anchor.keras")), 3)
    report(".keras export ÷ model.save (ResNet50 composite)", ours, 1.1, "ratio", anchor)


if __name__ == "__main__":
    main()
