"""Automatic placement of nodes in layers, left to right along the data flow.

Used by the canvas's "Arrange" and when a project's nodes all sit on one spot (as in
hand-written project files), and by the example generator.
"""

from __future__ import annotations

from .graph import Graph

__all__ = ["layered_positions", "stacked"]

_GAP_X, _GAP_Y = 80.0, 40.0


def stacked(graph: Graph) -> bool:
    """Whether the graph has several nodes and they all share one position."""
    positions = {n.position for n in graph}
    return len(graph) > 1 and len(positions) == 1


def layered_positions(graph: Graph, sizes: dict[str, tuple[float, float]],
                      origin: tuple[float, float] = (0.0, 0.0), grid: float = 20.0
                      ) -> dict[str, tuple[float, float]]:
    """Top-left positions putting each node one column right of its deepest predecessor.

    Within a column, nodes are ordered by the mean row of their predecessors (fewer
    crossings) and the column is centred vertically on the tallest one.

    Args:
        graph: The graph to place.
        sizes: Width and height of each node as drawn.
        origin: Top-left corner of the layout.
        grid: Positions are rounded to this grid.
    """
    depth: dict[str, int] = {}
    for node in graph.topological():
        depth[node.name] = max((depth[p.name] + 1 for p in node.predecessors if p.name in depth),
                               default=0)
    for node in graph:  # nodes on a cycle (not produced by the app) go to the first column
        depth.setdefault(node.name, 0)
    columns: dict[int, list[str]] = {}
    for name, d in depth.items():
        columns.setdefault(d, []).append(name)
    row: dict[str, float] = {}
    for d in sorted(columns):
        order = {name: float(i) for i, name in enumerate(columns[d])}

        def key(name: str, order: dict[str, float] = order) -> float:
            preds = [row[p.name] for p in graph.node(name).predecessors if p.name in row]
            return sum(preds) / len(preds) if preds else order[name]

        columns[d].sort(key=key)
        for i, name in enumerate(columns[d]):
            row[name] = float(i)
    heights = {d: sum(sizes[n][1] for n in names) + _GAP_Y * (len(names) - 1)
               for d, names in columns.items()}
    tallest = max(heights.values(), default=0.0)
    positions: dict[str, tuple[float, float]] = {}
    x = origin[0]
    for d in sorted(columns):
        names = columns[d]
        y = origin[1] + (tallest - heights[d]) / 2
        for name in names:
            positions[name] = (round(x / grid) * grid, round(y / grid) * grid)
            y += sizes[name][1] + _GAP_Y
        x += max(sizes[n][0] for n in names) + _GAP_X
    return positions
