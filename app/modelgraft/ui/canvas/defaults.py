"""Constants the canvas shares with other views: drag-and-drop and clipboard formats, grid,
and default parameters for kinds dropped from the palette."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_PARAMS", "GRID", "MIME_KIND", "MIME_SUBGRAPH", "MODEL_SUFFIXES", "default_params"]

# Mime type of a node kind dragged from the palette; the payload is the kind name (UTF-8).
MIME_KIND = "application/x-modelgraft-kind"

# Mime type of copied nodes on the system clipboard: JSON ``{"nodes": [...], "edges": [...]}``.
MIME_SUBGRAPH = "application/x-modelgraft-subgraph"

# Node positions snap to this grid (scene pixels) when dragged.
GRID = 20.0

# Files dropped from a file manager that become model nodes (SavedModel folders too).
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")

# Parameters for kinds that have required ones, so a palette drop always makes a valid node.
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "input": {"shape": (1,)},
    "reshape": {"target_shape": (-1,)},
    "permute": {"dims": (2, 1)},
    "pad": {"length": 16},
    "dense": {"units": 16},
    "embedding": {"input_dim": 1000, "output_dim": 16},
    "one_hot": {"depth": 10},
    "resize": {"height": 224, "width": 224},
}


def default_params(kind: str) -> dict[str, Any]:
    """A fresh copy of the default parameters of ``kind`` (empty if it needs none)."""
    return dict(DEFAULT_PARAMS.get(kind, {}))
