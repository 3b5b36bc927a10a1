"""Full spec load of a model node ÷ keras.saving.load_model of the same file (goal ≤ 1.2).

"Ours" is a cold load: the engine's file cache is emptied before each repetition, so the
figure is what a first drop of the file costs (a second node from the same file is faster).
"""

from __future__ import annotations

from bench.common import report, timed_pair
from bench.ports_resnet import resnet_file


def main() -> None:
    path = resnet_file()
    from modelgraft.engine import runtime
    from modelgraft.engine.loading import clear_cache, load_model

    keras = runtime.keras()
    runtime.run(lambda: keras.saving.load_model(path, compile=False))  # warm up TF and caches
    counter = iter(range(1000))

    def ours() -> None:
        clear_cache()
        runtime.run(load_model, path, name=f"resnet_{next(counter)}")

    def anchor() -> None:
        runtime.run(lambda: keras.saving.load_model(path, compile=False))

    ours_ms, anchor_ms = timed_pair(ours, anchor, 7)
    report("full spec load (ResNet50) ÷ keras load_model", ours_ms, 1.2, "ratio", anchor_ms)


if __name__ == "__main__":
    main()
