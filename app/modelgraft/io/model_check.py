"""Problems with the model files a graph refers to: missing files and files changed since added.

Opening a project never fails because a model file moved or changed; these problems are
listed next to ``Graph.check()``'s so the user can fix the path or re-add the model.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import ModelFileError
from ..core.graph import Graph
from ..core.problems import Problem
from .model_files import sha256_file

__all__ = ["MODEL_KIND", "model_file_problems"]

MODEL_KIND = "model"

_StatKey = tuple[tuple[str, int, int], ...]
_hash_cache: dict[str, tuple[_StatKey, str]] = {}


def model_file_problems(graph: Graph) -> list[Problem]:
    """One problem per ``model`` node whose file is missing, unreadable or changed.

    A missing or unreadable file is an error (``code="model-missing"`` /
    ``"model-unreadable"``); a file whose SHA-256 differs from the ``sha256`` recorded
    when the node was added is a warning (``code="model-changed"``): the model still
    loads, but its ports or weights may not be what the graph was built with. Hashes are
    cached per file size and modification time, so repeated checks are cheap.

    Args:
        graph: The graph to check.
    """
    problems: list[Problem] = []
    for node in graph.nodes:
        if node.kind != MODEL_KIND or not isinstance(node.params.get("path"), str):
            continue
        path = Path(node.params["path"])
        label = f"model file '{path.name or path}' of node '{node.name}'"
        if not path.exists():
            problems.append(Problem(f"{label} is missing (looked for '{path}')", node.name,
                                    code="model-missing"))
            continue
        expected = node.params.get("sha256")
        if not expected:
            continue
        try:
            actual = _cached_sha256(path)
        except (ModelFileError, OSError) as err:
            problems.append(Problem(f"{label} cannot be read ({err})", node.name,
                                    code="model-unreadable"))
            continue
        if actual != expected:
            problems.append(Problem(f"{label} changed since it was added (sha256 differs)",
                                    node.name, severity="warning", code="model-changed"))
    problems.sort(key=lambda p: p.severity != "error")
    return problems


def _stat_key(path: Path) -> _StatKey:
    if not path.is_dir():
        st = path.stat()
        return (("", st.st_size, st.st_mtime_ns),)
    entries = []
    for root, _dirs, names in os.walk(path):
        for name in names:
            st = os.stat(os.path.join(root, name))
            entries.append((os.path.relpath(os.path.join(root, name), path), st.st_size, st.st_mtime_ns))
    return tuple(sorted(entries))


def _cached_sha256(path: Path) -> str:
    key = str(path.absolute())
    stat = _stat_key(path)
    cached = _hash_cache.get(key)
    if cached is not None and cached[0] == stat:
        return cached[1]
    digest = sha256_file(path)
    _hash_cache[key] = (stat, digest)
    return digest
