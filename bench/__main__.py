"""Run every measurement in its own process and print a table; write bench/results.json.

Each measurement module prints one JSON object per result line (the lines starting with ``{``):
``{"metric", "ours", "anchor", "unit", "goal", "kind"}`` where ``kind`` is ``ratio`` (ours ÷
anchor, goal is an upper bound), ``max`` (ours alone, goal an upper bound) or ``min``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEASUREMENTS = ["graph_reinfer", "ports_resnet", "load_spec", "export_keras", "train_speed", "window_startup",
                "canvas_repaint", "drop_ports", "train_gui"]


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _passes(row: dict) -> bool:
    value = row["ratio"] if row["kind"] == "ratio" else row["ours"]
    return value >= row["goal"] if row["kind"] == "min" else value <= row["goal"]


def main(argv: list[str]) -> int:
    """Run the named measurements (all by default)."""
    names = argv or MEASUREMENTS
    rows = []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(HERE.parent)}
    for name in names:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", f"bench.{name}"], capture_output=True, text=True,
                              env=env, cwd=HERE.parent)
        if proc.returncode != 0:
            print(f"{name}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr)
            return 1
        seconds = round(time.perf_counter() - start, 1)
        for line in proc.stdout.splitlines():
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if row["kind"] == "ratio":
                row["ratio"] = row["ours"] / row["anchor"]
            row["passes"] = _passes(row)
            row["seconds"] = seconds
            rows.append(row)
    print(f"{'metric':<52} {'ours':>10} {'anchor':>10} {'ratio':>7} {'goal':>8}  ")
    for r in rows:
        anchor = f"{r['anchor']:.1f}" if r.get("anchor") is not None else "-"
        ratio = f"{r['ratio']:.2f}" if "ratio" in r else "-"
        bound = "≥" if r["kind"] == "min" else "≤"
        goal = f"{bound}{r['goal']}" + ("" if r["kind"] == "ratio" else f" {r['unit']}")
        print(f"{r['metric']:<52} {r['ours']:>8.2f}{r['unit']:>2} {anchor:>10} {ratio:>7} {goal:>8}  "
              f"{'ok' if r['passes'] else 'MISSED'}")
    path = HERE / "results.json"
    if argv and path.exists():  # a partial run updates its rows and keeps the others
        fresh = {r["metric"] for r in rows}
        rows = [r for r in json.loads(path.read_text())["rows"] if r["metric"] not in fresh] + rows
    result = {"machine": _machine(), "date": time.strftime("%Y-%m-%d"), "rows": rows}
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"machine: {result['machine']}; wrote bench/results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
