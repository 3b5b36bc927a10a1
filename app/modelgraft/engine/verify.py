"""Verifying an export: reload it in a fresh process and compare outputs on a probe batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ExportError
from ..core.graph import INPUT_KIND, OUTPUT_KIND, Graph

__all__ = ["PROBE_SAMPLES", "make_probe", "verify_export"]

PROBE_SAMPLES = 8
_RUNNER = Path(__file__).with_name("probe_runner.py")


def _int_bound(graph: Graph, start: Any) -> int:
    """The largest safe id for an integer input: below every embedding/one-hot it reaches."""
    bound, stack, seen = 1 << 30, [start], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == "embedding":
            bound = min(bound, node.params["input_dim"])
        elif node.kind == "one_hot":
            bound = min(bound, node.params["depth"])
        elif node.kind == "model":
            bound = min(bound, 2)
        stack.extend(node.successors)
    return min(bound, 100)


def make_probe(graph: Graph, samples: int = PROBE_SAMPLES, seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs for every input node (unknown axes get length 4; ids stay in range)."""
    rng = np.random.default_rng(seed)
    probe: dict[str, np.ndarray] = {}
    for node in graph:
        if node.kind != INPUT_KIND:
            continue
        spec = node.out_specs[0]
        shape = (samples,) + tuple(4 if d is None else d for d in spec.shape)
        if spec.is_int:
            probe[node.name] = rng.integers(0, _int_bound(graph, node), shape).astype(spec.dtype)
        elif spec.dtype == "bool":
            probe[node.name] = rng.integers(0, 2, shape).astype(bool)
        else:
            probe[node.name] = rng.uniform(0.0, 1.0, shape).astype(spec.dtype)
    return probe


def _output_names(graph: Graph) -> list[str]:
    return [n.name for n in graph if n.kind == OUTPUT_KIND]


def predict(model: Any, probe: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
    """Run ``model`` on the probe; outputs keyed by output-node name."""
    inputs: Any = next(iter(probe.values())) if len(probe) == 1 else probe
    result = model(inputs, training=False)
    if isinstance(result, dict):
        return {k: np.asarray(result[k]) for k in outputs}
    if isinstance(result, (list, tuple)):
        return {k: np.asarray(v) for k, v in zip(outputs, result)}
    return {outputs[0]: np.asarray(result)}


def verify_export(model: Any, graph: Graph, path: str, fmt: str) -> str:
    """Reload the export in a fresh Python process and compare its outputs with ``model``'s.

    SavedModels are reloaded with ``tf.saved_model.load`` in a process where ``modelgraft``
    cannot be imported, proving they need nothing of ours.

    Returns:
        A sentence such as ``"verified: outputs match on 8 probe samples"``.

    Raises:
        ExportError: the reload failed or its outputs differ.
    """
    probe = make_probe(graph)
    names = _output_names(graph)
    expected = predict(model, probe, names)
    with tempfile.TemporaryDirectory(prefix="modelgraft-verify-") as tmp:
        probe_file = os.path.join(tmp, "probe.npz")
        out_file = os.path.join(tmp, "out.npz")
        np.savez(probe_file, **probe)
        args = json.dumps({"format": fmt, "path": path, "probe": probe_file, "out": out_file,
                           "outputs": names})
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": os.environ.get(
            "CUDA_VISIBLE_DEVICES", "")}
        proc = subprocess.run([sys.executable, "-c", _RUNNER.read_text(), args],
                              capture_output=True, text=True, env=env, timeout=600)
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
            reason = lines[-1] if lines else f"exit code {proc.returncode}"
            raise ExportError(f"export '{os.path.basename(path)}' failed to reload in a fresh process: {reason}")
        with np.load(out_file) as got:
            actual = {k: got[k] for k in got.files}
    for name in names:
        want, have = expected[name], actual.get(name)
        if have is None or have.shape != want.shape:
            raise ExportError(f"export '{os.path.basename(path)}' gives output '{name}' with shape "
                              f"{None if have is None else have.shape}, the model gives {want.shape}")
        tol = 1e-2 if want.dtype == np.float16 else 1e-5
        diff = float(np.max(np.abs(have.astype("float64") - want.astype("float64")))) if want.size else 0.0
        if not np.allclose(have, want, rtol=tol, atol=tol):
            raise ExportError(f"export '{os.path.basename(path)}' does not reproduce the model: output "
                              f"'{name}' differs by up to {diff:.3g} on the probe batch")
    return f"verified: outputs match on {PROBE_SAMPLES} probe samples"
