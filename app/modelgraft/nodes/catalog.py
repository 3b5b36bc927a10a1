"""The node catalog: the registered kinds, as the Graph's :class:`~modelgraft.core.catalog.Catalog`."""

from __future__ import annotations

from typing import Any

from ..core.catalog import PortDecl
from ..core.spec import TensorSpec
from ..core.verdict import Suggestion
from .base import KINDS, Kind, get_kind
from .suggest import suggest_chains

__all__ = ["CATALOG", "NodeCatalog"]


class NodeCatalog:
    """Answers the Graph's questions from the registered node kinds."""

    def kinds(self, family: str | None = None) -> list[Kind]:
        """All kinds, or those of one family, in registration order."""
        return [k for k in KINDS.values() if family is None or k.family == family]

    def normalize_params(self, kind: str, params: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        return get_kind(kind).normalize(params, node)

    def input_ports(self, kind: str, params: dict[str, Any]) -> list[PortDecl]:
        return get_kind(kind).inputs(params)

    def output_ports(self, kind: str, params: dict[str, Any]) -> list[str]:
        return get_kind(kind).outputs(params)

    def infer(self, kind: str, params: dict[str, Any], inputs: list[TensorSpec | None]) -> list[TensorSpec | None]:
        k = get_kind(kind)
        if k.needs_inputs and any(s is None for s in inputs):
            return [None] * len(k.outputs(params))
        return list(k.rule(params, inputs))  # type: ignore[arg-type]

    def suggest(self, out: TensorSpec, expected: TensorSpec) -> tuple[Suggestion, ...]:
        return suggest_chains(self, out, expected)

    def default_name(self, kind: str, params: dict[str, Any]) -> str:
        if kind == "model" and params.get("path"):
            stem = str(params["path"]).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
            for ext in (".keras", ".h5", ".hdf5"):
                if stem.endswith(ext):
                    stem = stem[: -len(ext)]
            return stem or "model"
        return kind


CATALOG = NodeCatalog()
