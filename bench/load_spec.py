"""Full spec load of a model node ÷ keras.saving.load_model of the same file (goal ≤ 1.2)."""

from __future__ import annotations

from bench.common import report, timed
from bench.ports_resnet import resnet_file


def main() -> None:
    path = resnet_file()
    from modelgraft.engine import runtime
    from modelgraft.engine.loading import load_model

    keras = runtime.keras()
    runtime.run(lambda: keras.saving.load_model(path, compile=False))  # warm up TF and caches
    counter = iter(range(1000))

    def ours() -> None:
        runtime.run(load_model, path, name=f"resnet_{next(counter)}")

    def anchor() -> None:
        runtime.run(lambda: keras.saving.load_model(path, compile=False))

    ours_ms = min(timed(ours, 3), timed(ours, 3))
    anchor_ms = min(timed(anchor, 3), timed(anchor, 3))
    report("full spec load (ResNet50) ÷ keras load_model", ours_ms, 1.2, "ratio", anchor_ms)


if __name__ == "__main__":
    main()
