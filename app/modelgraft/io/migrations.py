"""Upgrading project files written by older ModelGraft versions, one format version at a time.

``MIGRATIONS[v]`` turns a version-``v`` document into a version-``v + 1`` document; the
chain runs until :data:`CURRENT_VERSION`. Each step works on plain JSON data (before the
schema is checked) and raises :class:`MigrationError` naming the field it cannot convert.

Version history:

- **0** (pre-release): each node stored its position as ``"x"`` and ``"y"`` keys; each
  edge was a pair of ``"node:port"`` strings ``["enc:output", "head:input"]``; there were
  no ``data`` and ``training`` sections.
- **1**: positions are ``[x, y]`` lists, edges are objects ``{"src", "src_port", "dst",
  "dst_port"}``, ``data`` and ``training`` are objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "MigrationError", "migrate"]

CURRENT_VERSION = 1

Document = dict[str, Any]


class MigrationError(Exception):
    """A field an upgrade step cannot convert.

    Attributes:
        loc: The field path, e.g. ``"edges[2][0]"``.
        what: What is wrong with it, e.g. ``"must look like 'node:port'"``.
    """

    def __init__(self, loc: str, what: str) -> None:
        super().__init__(f"{loc}: {what}")
        self.loc = loc
        self.what = what


def _endpoint(value: Any, loc: str) -> tuple[str, str]:
    if not isinstance(value, str) or value.count(":") < 1:
        raise MigrationError(loc, f"must look like 'node:port', got {value!r}")
    node, port = value.split(":", 1)
    if not node or not port:
        raise MigrationError(loc, f"must look like 'node:port', got {value!r}")
    return node, port


def _v0_to_v1(doc: Document) -> Document:
    """Positions become ``[x, y]``; ``"node:port"`` edge pairs become edge objects."""
    out = dict(doc)
    nodes = doc.get("nodes", [])
    if not isinstance(nodes, list):
        raise MigrationError("nodes", "must be a list")
    out["nodes"] = []
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            raise MigrationError(f"nodes[{i}]", "must be an object")
        node = dict(node)
        node["position"] = [node.pop("x", 0.0), node.pop("y", 0.0)]
        out["nodes"].append(node)
    edges = doc.get("edges", [])
    if not isinstance(edges, list):
        raise MigrationError("edges", "must be a list")
    out["edges"] = []
    for i, edge in enumerate(edges):
        if not isinstance(edge, list) or len(edge) != 2:
            raise MigrationError(f"edges[{i}]", "must be a pair [\"node:port\", \"node:port\"]")
        src, src_port = _endpoint(edge[0], f"edges[{i}][0]")
        dst, dst_port = _endpoint(edge[1], f"edges[{i}][1]")
        out["edges"].append({"src": src, "src_port": src_port, "dst": dst, "dst_port": dst_port})
    out.setdefault("data", {})
    out.setdefault("training", {})
    out["version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[Document], Document]] = {0: _v0_to_v1}


def migrate(doc: Document, version: int) -> Document:
    """Upgrade a document of format ``version`` to :data:`CURRENT_VERSION`.

    Args:
        doc: The parsed JSON document.
        version: Its format version, at most :data:`CURRENT_VERSION`.

    Raises:
        MigrationError: a field cannot be converted.
    """
    while version < CURRENT_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
    return doc
