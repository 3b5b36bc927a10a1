"""Adapter chains that make an output fit an input, each checked with the pure shape rules."""

from __future__ import annotations

from itertools import permutations
from typing import TYPE_CHECKING

from ..core.errors import ModelGraftError
from ..core.spec import TensorSpec
from ..core.verdict import AdapterStep, Suggestion, compare

if TYPE_CHECKING:
    from .catalog import NodeCatalog

__all__ = ["suggest_chains"]

_MAX = 5


def _shape_fixes(out: TensorSpec, want: TensorSpec) -> list[list[AdapterStep]]:
    """Candidate chains that fix the shape only, most specific first."""
    a, b = out.shape, want.shape
    fixes: list[list[AdapterStep]] = []
    if a == b:
        return [[]]
    if len(b) == len(a) + 1:
        for k in range(len(b)):
            if b[k] == 1 and b[:k] + b[k + 1:] == a:
                fixes.append([AdapterStep.of("expand_dims", axis=k + 1)])
                break
    if len(a) == len(b) + 1:
        for k in range(len(a)):
            if a[k] == 1 and a[:k] + a[k + 1:] == b:
                fixes.append([AdapterStep.of("squeeze", axis=k + 1)])
                break
    if len(a) > 1 and len(b) == 1 and out.size is not None and out.size == b[0]:
        fixes.append([AdapterStep.of("flatten")])
    if len(a) == len(b) > 1 and None not in a and sorted(a) == sorted(b):
        for perm in permutations(range(len(a))):
            if tuple(a[i] for i in perm) == b:
                fixes.append([AdapterStep.of("permute", dims=tuple(i + 1 for i in perm))])
                break
    if len(a) == len(b) >= 2 and b[0] is not None and a[1:] == b[1:] and a[0] != b[0]:
        fixes.append([AdapterStep.of("pad", length=b[0])])
    if len(a) == len(b) == 3 and a[2] == b[2] and None not in b[:2] and a[:2] != b[:2]:
        fixes.append([AdapterStep.of("resize", height=b[0], width=b[1])])
    if out.size is not None and None not in b and out.size == _prod(b):
        fixes.append([AdapterStep.of("reshape", target_shape=b)])
    if len(b) == len(a) + 1 and b[:-1] == a and b[-1] is not None and out.is_int:
        fixes.append([AdapterStep.of("one_hot", depth=b[-1])])
    if len(b) == 1 and len(a) > 1 and b[0] is not None and out.size is not None and out.size != b[0]:
        fixes.append([AdapterStep.of("flatten"), AdapterStep.of("dense", units=b[0])])
    if len(a) == len(b) >= 1 and a[:-1] == b[:-1] and b[-1] is not None and a[-1] != b[-1]:
        fixes.append([AdapterStep.of("dense", units=b[-1])])
    return fixes


def _prod(shape: tuple[int | None, ...]) -> int:
    n = 1
    for d in shape:
        n *= d or 0
    return n


def _run(catalog: NodeCatalog, steps: list[AdapterStep], spec: TensorSpec) -> TensorSpec | None:
    for step in steps:
        try:
            params = catalog.normalize_params(step.kind, step.param_dict)
            outs = catalog.infer(step.kind, params, [spec])
        except (ModelGraftError, KeyError):
            return None
        if len(outs) != 1 or outs[0] is None:
            return None
        spec = outs[0]
    return spec


def suggest_chains(catalog: NodeCatalog, out: TensorSpec, want: TensorSpec) -> tuple[Suggestion, ...]:
    """Adapter chains that turn ``out`` into a spec ``want`` accepts, best first.

    Each candidate is run through the pure shape rules; only chains whose result is
    compatible with ``want`` are returned. Chains adding trainable weights come last.
    """
    found: list[Suggestion] = []
    seen: set[str] = set()
    for steps in _shape_fixes(out, want):
        result = _run(catalog, steps, out)
        if result is None:
            continue
        if result.dtype != want.dtype:
            steps = steps + [AdapterStep.of("cast", dtype=want.dtype)]
            result = _run(catalog, steps, out)
            if result is None:
                continue
        if not steps or not compare(result, want).ok:
            continue
        trainable = any(s.kind in ("dense", "embedding") for s in steps)
        suggestion = Suggestion(tuple(steps), result, trainable)
        if suggestion.label not in seen:
            seen.add(suggestion.label)
            found.append(suggestion)
    found.sort(key=lambda s: (s.trainable, len(s.steps)))
    return tuple(found[:_MAX])
