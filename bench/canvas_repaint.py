"""Full repaint of a 1000-node / 1500-edge canvas, fitted to a 1280×800 view (goal ≤ 16 ms).

The graph is pure (inputs, adapters and merges, no model files): 250 chains of
input → reshape → dense → add, each add also fed by the previous chain's dense, laid out
on a grid. The view is shown offscreen and ``viewport().repaint()`` is timed.
"""

from __future__ import annotations

import os

from bench.common import report, timed

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build(doc: object) -> None:
    """Fill the document's graph with 1000 nodes and 1500 edges (no undo history).

    250 blocks of input → dense → dense → concatenate, the concatenate joining the input,
    both denses and the previous block's second dense: 4 nodes and 6 edges per block.
    """
    graph = doc.graph  # type: ignore[attr-defined]
    prev = None
    for i in range(250):
        x, y = (i % 20) * 1100.0, (i // 20) * 300.0
        src = graph.add_node("input", {"shape": (8,)}, name=f"x{i}", position=(x, y))
        d1 = graph.add_node("dense", {"units": 8}, name=f"d{i}", position=(x + 240, y))
        d2 = graph.add_node("dense", {"units": 8}, name=f"e{i}", position=(x + 480, y + 40))
        cat = graph.add_node("concatenate", {"inputs": 4}, name=f"c{i}", position=(x + 760, y + 20))
        graph.connect(src, d1)
        graph.connect(d1, d2)
        for j, feed in enumerate((src, d1, d2, prev if prev is not None else d2)):
            graph.connect(feed, cat.input(j))
        prev = d2
    assert (len(graph), len(graph.edges)) == (1000, 1500), (len(graph), len(graph.edges))


def main() -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from modelgraft.ui.canvas import GraphView
    from modelgraft.ui.document import Document

    doc = Document()
    build(doc)
    view = GraphView(doc, dark=False)
    view.resize(1280, 800)
    view.show()
    app.processEvents()
    view.fit()
    app.processEvents()
    edges = len(doc.graph.edges)
    nodes = len(doc.graph)
    view.viewport().repaint()
    ms = timed(view.viewport().repaint, 30)
    print(f"{nodes} nodes, {edges} edges, zoom {view.zoom:.3f}")
    report("full repaint, 1000 nodes / 1500 edges", round(ms, 2), 16.0, "max")


if __name__ == "__main__":
    main()
