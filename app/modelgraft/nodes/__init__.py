"""Node kinds: each with typed parameters, ports and one pure shape rule.

Importing this package registers every kind in :data:`~modelgraft.nodes.base.KINDS`.
"""

from __future__ import annotations

from . import adapters, io_kinds, merges, model  # noqa: F401  (registers the kinds)
from .base import KINDS, Kind, Param, get_kind
from .catalog import CATALOG, NodeCatalog

__all__ = ["CATALOG", "KINDS", "Kind", "NodeCatalog", "Param", "get_kind"]
