"""Re-inference after one connect in a 500-node graph (goal ≤ 5 ms).

A chain input → 498 adapters → output, with the first edge missing; connecting it makes
every node below re-infer (the worst case for one connect). Pure Python, no TensorFlow.
"""

from __future__ import annotations

import sys

from bench.common import report, timed
from modelgraft.core import Graph
from modelgraft.nodes import CATALOG


def main() -> None:
    g = Graph(CATALOG)
    x = g.add_node("input", {"shape": (16, 8)}, name="x")
    kinds = [("rescale", {"scale": 2.0}), ("permute", {"dims": (2, 1)}), ("cast", {"dtype": "float32"})]
    prev = None
    first = None
    for i in range(498):
        kind, params = kinds[i % len(kinds)]
        node = g.add_node(kind, params)
        if prev is not None:
            g.connect(prev, node)
        first = first or node
        prev = node
    g.connect(prev, g.add_node("output", name="y"))
    assert len(g) == 500 and "tensorflow" not in sys.modules

    def reconnect() -> None:
        edge = g.connect(x, first)
        g.disconnect(edge)

    ms = timed(reconnect, 30) / 2
    report("re-inference after one connect, 500-node graph", ms, 5.0, "max")


if __name__ == "__main__":
    main()
