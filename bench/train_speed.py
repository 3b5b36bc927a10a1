"""Training speed with ModelGraft's default settings on a small composite (S10), in one run:

* default settings steps/s ÷ a naive hand-written ``model.fit(x, y, batch_size=32)`` (goal ≥ 1.5);
* default settings steps/s ÷ the best hand-tuned Keras settings tried here (goal ≥ 1.0):
  ``tf.data`` with prefetch and ``steps_per_execution`` 32/64/128, with and without XLA.

Same graph, same data, same batch size (32); each timing excludes a warm-up epoch (tracing).
The rows report milliseconds per step (``ratio`` kind: ours ÷ anchor ≤ goal), so the
steps/s goals become ≤ 1/1.5 ≈ 0.67 against naive and ≤ 1.0 against hand-tuned.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from bench.common import report

ROOT = Path(__file__).resolve().parents[1]
ROWS, BATCH, EPOCHS = 8192, 32, 2


def _examples() -> Any:
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "resources" / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _steps_per_second(fit: Callable[[int], object]) -> float:
    fit(1)  # warm-up: tracing and compiling
    best = 0.0
    for _ in range(2):
        start = time.perf_counter()
        fit(EPOCHS)
        best = max(best, EPOCHS * ROWS / BATCH / (time.perf_counter() - start))
    return best


def main() -> None:
    import numpy as np

    from modelgraft import train_api
    from modelgraft.engine import runtime

    tf = runtime.tf()
    examples = _examples()
    folder = Path(tempfile.mkdtemp(prefix="mg-bench-train-"))
    sources = examples.build_sources("s10_two_datasets", folder)
    rng = np.random.default_rng(0)
    x = {"raw": rng.normal(size=(ROWS, 100)).astype("float32"),
         "side": rng.normal(size=(ROWS, 32)).astype("float32")}
    y = (x["side"][:, 0] > 0).astype("int32")

    ours = examples.build_project("s10_two_datasets", folder, sources)
    ours_rate = _steps_per_second(lambda e: train_api.train(ours, x, y, epochs=e, batch_size=BATCH,
                                                            record=False))

    def plain(**compile_args: Any) -> Any:
        p = examples.build_project("s10_two_datasets", folder, sources)
        model = p.session.build(p.graph, p.name)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      **compile_args)
        return model

    naive = plain()
    naive_rate = _steps_per_second(lambda e: naive.fit(x, y, batch_size=BATCH, epochs=e, verbose=0))
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(ROWS, seed=0).batch(BATCH) \
        .prefetch(tf.data.AUTOTUNE)
    tuned: dict[str, float] = {}
    for spe in (32, 64, 128):
        for jit in (False, True):
            model = plain(steps_per_execution=spe, jit_compile=jit)
            tuned[f"spe={spe} jit={jit}"] = _steps_per_second(
                lambda e, m=model: m.fit(dataset, epochs=e, verbose=0))
    best_name = max(tuned, key=tuned.__getitem__)
    for name, rate in tuned.items():
        print(f"# hand-tuned {name}: {rate:.0f} steps/s")
    print(f"# ours {ours_rate:.0f} steps/s, naive {naive_rate:.0f} steps/s, best hand-tuned {best_name}")
    report("train ms/step: defaults ÷ naive model.fit (S10)", 1000 / ours_rate, 0.67, "ratio",
           1000 / naive_rate)
    report(f"train ms/step: defaults ÷ best hand-tuned ({best_name})", 1000 / ours_rate, 1.0, "ratio",
           1000 / tuned[best_name])


if __name__ == "__main__":
    main()
