"""The pre-load scan of a SavedModel directory: every op it could run, checked without TensorFlow.

``saved_model.pb`` is walked with the small wire-format reader of :mod:`.protobuf_wire` (the
TensorFlow protobuf classes would import all of TensorFlow). Field numbers come from
``tensorflow/core/protobuf/{saved_model,meta_graph,saver}.proto`` and
``tensorflow/core/framework/{graph,node_def,function,attr_value,op_def}.proto``.

What is scanned, for every MetaGraphDef: the main graph's nodes, every function of the
graph's library, and the function names carried by function-valued attributes (``f`` of
``StatefulPartitionedCall``, branches of ``If``/``While``, ``tf.data`` map functions, ...),
however deeply they nest. A ``tf.data`` pipeline saved inside a SavedModel is part of the
library (its dataset graph is imported as a function), so its ops are checked like any
other; an op that would rebuild a dataset from a serialized graph (``DatasetFromGraph``,
``DeserializeIterator``) is a finding in itself.

Every op must be in :data:`~.tf_ops.ALLOWED_OPS`. The checkpoint ops (``SaveV2``,
``RestoreV2``, ``MergeV2Checkpoints``, ...) are accepted only in the saver: the main-graph
nodes the ``saver_def``'s save and restore names depend on, and the functions those nodes
call, as long as no signature, init op or other function reaches them too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ModelFileError
from .findings import Finding
from .protobuf_wire import (
    LEN,
    VARINT,
    WireFormatError,
    iter_fields,
    read_string,
    submessages,
)
from .tf_ops import ALLOWED_OPS, CHECKPOINT_OPS, UNLISTED, concern_rank, op_concern

__all__ = ["MAX_SAVED_MODEL_BYTES", "scan_savedmodel"]

MAX_SAVED_MODEL_BYTES = 2 * 1024 ** 3
"""Largest ``saved_model.pb`` read (protobuf itself cannot hold more than 2 GiB)."""

_MAX_NESTING = 64
"""Deepest nesting of function-valued attributes or composite signature tensors followed."""

_LFS_MAGIC = b"version https://git-lfs.github.com/spec/"


@dataclass
class _Node:
    """One NodeDef: its name, op, inputs and the names its function-valued attributes hold."""

    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    funcs: list[str] = field(default_factory=list)


@dataclass
class _MetaGraph:
    """What the scan needs of one MetaGraphDef."""

    tags: list[str] = field(default_factory=list)
    nodes: list[_Node] = field(default_factory=list)
    functions: dict[str, list[_Node]] = field(default_factory=dict)
    saver_roots: list[str] = field(default_factory=list)
    run_roots: list[str] = field(default_factory=list)


def scan_savedmodel(path: str | os.PathLike[str]) -> list[Finding]:
    """List the ops of a SavedModel that could read or write files, run code or are unknown.

    Nothing is imported from TensorFlow and nothing in the directory is executed.

    Args:
        path: The SavedModel directory (holding ``saved_model.pb``).

    Returns:
        One finding per dangerous op and MetaGraph, the most telling first; ``path`` is
        ``function/node`` (or the node name alone in the main graph), ``code`` is ``"op"``.
        Empty for ordinary SavedModels written by ``model.export`` or ``tf.saved_model.save``.

    Raises:
        ModelFileError: the directory is missing, has no ``saved_model.pb`` (a text-only
            ``saved_model.pbtxt`` is refused too), or the file is unreadable, too large,
            damaged, truncated or not a SavedModel.
    """
    directory = Path(path)
    label = f"'{directory.name or directory}'"
    data = _read(directory, label)
    try:
        meta_graphs = _parse_saved_model(data)
    except WireFormatError:
        meta_graphs = []
    if not meta_graphs:
        hint = (" (it is a Git LFS pointer: run `git lfs pull`)" if data.startswith(_LFS_MAGIC)
                else "; save or download it again")
        raise ModelFileError(
            f"SavedModel {label} has a saved_model.pb that is damaged, truncated or not a SavedModel{hint}")
    ranked: list[tuple[int, Finding]] = []
    for graph in meta_graphs:
        suffix = f" of the MetaGraph tagged '{', '.join(graph.tags)}'" if len(meta_graphs) > 1 else ""
        ranked += _check(graph, label, suffix)
    return [finding for _, finding in sorted(ranked, key=lambda item: item[0])]


def _read(directory: Path, label: str) -> bytes:
    pb = directory / "saved_model.pb"
    try:
        if not directory.is_dir():
            if directory.exists():
                raise ModelFileError(f"{label} is not a SavedModel directory")
            raise ModelFileError(f"SavedModel directory {label} does not exist")
        if not pb.is_file():
            if (directory / "saved_model.pbtxt").is_file():
                raise ModelFileError(
                    f"SavedModel {label} is stored as text (saved_model.pbtxt), which ModelGraft "
                    "cannot check; save it again as a binary saved_model.pb")
            raise ModelFileError(f"directory {label} is not a SavedModel (it has no saved_model.pb)")
        size = pb.stat().st_size
        if size > MAX_SAVED_MODEL_BYTES:
            raise ModelFileError(
                f"SavedModel {label} has a saved_model.pb of {size / 1024 ** 3:.1f} GiB, more than "
                "the 2 GiB a SavedModel can hold")
        if size == 0:
            raise ModelFileError(
                f"SavedModel {label} has an empty saved_model.pb (0 bytes); save or download it again")
        with open(pb, "rb") as f:
            return f.read(MAX_SAVED_MODEL_BYTES + 1)
    except OSError as err:
        raise ModelFileError(
            f"SavedModel {label} cannot be read ({err.strerror or err})") from None


# --- parsing -------------------------------------------------------------------------------

def _parse_saved_model(data: bytes) -> list[_MetaGraph]:
    """SavedModel: 1 saved_model_schema_version (varint), 2 meta_graphs (MetaGraphDef)."""
    graphs = []
    for number, wire, a, b in iter_fields(data):
        if (number, wire) == (2, LEN):
            graphs.append(_parse_meta_graph(data, a, b))
        elif (number, wire) != (1, VARINT):
            raise WireFormatError(f"field {number} does not belong in a SavedModel")
    return graphs


def _parse_meta_graph(data: bytes, a: int, b: int) -> _MetaGraph:
    """MetaGraphDef: 1 meta_info_def, 2 graph_def, 3 saver_def, 4 collection_def, 5 signature_def."""
    graph = _MetaGraph()
    for number, x, y in submessages(data, a, b, (1, 2, 3, 4, 5)):
        if number == 1:  # MetaInfoDef: 4 tags
            graph.tags += [read_string(data, u, v) for _, u, v in submessages(data, x, y, (4,))]
        elif number == 2:
            _parse_graph_def(data, x, y, graph)
        elif number == 3:  # SaverDef: 1 filename_tensor_name, 2 save_tensor_name, 3 restore_op_name
            graph.saver_roots += [read_string(data, u, v) for _, u, v in submessages(data, x, y, (1, 2, 3))]
        elif number == 4:  # map<string, CollectionDef>: CollectionDef 1 node_list: NodeList 1 value
            for _, u, v in submessages(data, x, y, (2,)):
                for _, p, q in submessages(data, u, v, (1,)):
                    graph.run_roots += [read_string(data, s, t) for _, s, t in submessages(data, p, q, (1,))]
        else:  # map<string, SignatureDef>: SignatureDef 1 inputs, 2 outputs: map<string, TensorInfo>
            for _, u, v in submessages(data, x, y, (2,)):
                for _, p, q in submessages(data, u, v, (1, 2)):
                    for _, s, t in submessages(data, p, q, (2,)):
                        graph.run_roots += _tensor_info_names(data, s, t)
    return graph


def _parse_graph_def(data: bytes, a: int, b: int, graph: _MetaGraph) -> None:
    """GraphDef: 1 node (NodeDef), 2 library (FunctionDefLibrary: 1 function)."""
    for number, x, y in submessages(data, a, b, (1, 2)):
        if number == 1:
            graph.nodes.append(_parse_node(data, x, y))
            continue
        for _, u, v in submessages(data, x, y, (1,)):
            name, nodes = _parse_function(data, u, v)
            graph.functions.setdefault(name, []).extend(nodes)


def _parse_function(data: bytes, a: int, b: int) -> tuple[str, list[_Node]]:
    """FunctionDef: 1 signature (OpDef: 1 name), 3 node_def, 5 attr (map<string, AttrValue>)."""
    name = ""
    nodes: list[_Node] = []
    own = _Node(name="", op="NoOp")
    for number, x, y in submessages(data, a, b, (1, 3, 5)):
        if number == 1:
            for _, u, v in submessages(data, x, y, (1,)):
                name = read_string(data, u, v)
        elif number == 3:
            nodes.append(_parse_node(data, x, y))
        else:
            for _, u, v in submessages(data, x, y, (2,)):
                _attr_funcs(data, u, v, own.funcs)
    if own.funcs:
        nodes.append(own)
    return name, nodes


def _parse_node(data: bytes, a: int, b: int) -> _Node:
    """NodeDef: 1 name, 2 op, 3 input, 5 attr (map<string, AttrValue>: entry 1 key, 2 value)."""
    node = _Node(name="", op="")
    for number, x, y in submessages(data, a, b, (1, 2, 3, 5)):
        if number == 1:
            node.name = read_string(data, x, y)
        elif number == 2:
            node.op = read_string(data, x, y)
        elif number == 3:
            node.inputs.append(read_string(data, x, y))
        else:
            for _, u, v in submessages(data, x, y, (2,)):
                _attr_funcs(data, u, v, node.funcs)
    return node


def _attr_funcs(data: bytes, a: int, b: int, out: list[str]) -> None:
    """Collect the function names of an AttrValue, following nested attributes without recursion.

    AttrValue: 10 func (NameAttrList), 1 list (ListValue: 9 func). NameAttrList: 1 name,
    2 attr (map<string, AttrValue>: entry 2 value).
    """
    stack = [(a, b, 0)]
    while stack:
        a, b, depth = stack.pop()
        if depth > _MAX_NESTING:
            raise WireFormatError("function attributes nest too deeply")
        for number, x, y in submessages(data, a, b, (1, 10)):
            lists = [(x, y)] if number == 10 else [(u, v) for _, u, v in submessages(data, x, y, (9,))]
            for u, v in lists:
                for kind, p, q in submessages(data, u, v, (1, 2)):
                    if kind == 1:
                        out.append(read_string(data, p, q))
                    else:
                        stack += [(s, t, depth + 1) for _, s, t in submessages(data, p, q, (2,))]


def _tensor_info_names(data: bytes, a: int, b: int) -> list[str]:
    """TensorInfo: 1 name, 4 coo_sparse (1, 2, 3: tensor names), 5 composite_tensor (2 components)."""
    names: list[str] = []
    stack = [(a, b, 0)]
    while stack:
        a, b, depth = stack.pop()
        if depth > _MAX_NESTING:
            raise WireFormatError("composite signature tensors nest too deeply")
        for number, x, y in submessages(data, a, b, (1, 4, 5)):
            if number == 1:
                names.append(read_string(data, x, y))
            elif number == 4:
                names += [read_string(data, u, v) for _, u, v in submessages(data, x, y, (1, 2, 3))]
            else:
                stack += [(u, v, depth + 1) for _, u, v in submessages(data, x, y, (2,))]
    return names


# --- checking ------------------------------------------------------------------------------

def _node_name(tensor: str) -> str:
    """``^name``, ``name:0`` and ``name`` all name the node ``name``."""
    return tensor.lstrip("^").split(":", 1)[0]


def _is_op(name: str) -> bool:
    """Whether a name is a TensorFlow op this module knows (allowed or named), not a function."""
    return name in ALLOWED_OPS or op_concern(name) != UNLISTED


def _calls(node: _Node, library: dict[str, list[_Node]]) -> list[str]:
    """The library functions a node calls: by its op (a direct call) or by function attributes."""
    names = [node.op, *node.funcs]
    return [name for name in names if name in library and not _is_op(name)]


def _ancestors(graph: _MetaGraph, roots: Iterable[str]) -> set[str]:
    """The main-graph nodes the named tensors or ops depend on (data and control inputs)."""
    by_name = {node.name: node for node in graph.nodes}
    seen: set[str] = set()
    stack = [_node_name(root) for root in roots]
    while stack:
        name = stack.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        stack += [_node_name(tensor) for tensor in by_name[name].inputs]
    return seen


def _closure(library: dict[str, list[_Node]], start: Iterable[str]) -> set[str]:
    """The library functions ``start`` names and every function they call, transitively."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack += [callee for node in library[name] for callee in _calls(node, library)]
    return seen


def _saver_scope(graph: _MetaGraph) -> tuple[set[str], set[str]]:
    """The main-graph nodes and functions only the saver reaches: where checkpoint ops belong."""
    library = graph.functions
    saver_nodes = _ancestors(graph, graph.saver_roots) - _ancestors(graph, graph.run_roots)
    saver_funcs = _closure(library, [c for n in graph.nodes if n.name in saver_nodes
                                     for c in _calls(n, library)])
    others = [c for n in graph.nodes if n.name not in saver_nodes for c in _calls(n, library)]
    others += [c for name, nodes in library.items() if name not in saver_funcs
               for n in nodes for c in _calls(n, library)]
    return saver_nodes, saver_funcs - _closure(library, others)


def _check(graph: _MetaGraph, label: str, suffix: str) -> list[tuple[int, Finding]]:
    """One finding per op outside the allow-list, in file order, with the rank of its concern."""
    saver_nodes, saver_funcs = _saver_scope(graph)
    library = graph.functions
    first: dict[str, tuple[str | None, str]] = {}
    counts: dict[str, int] = {}

    def use(op: str, function: str | None, node: str, in_saver: bool) -> None:
        if op in ALLOWED_OPS or (in_saver and op in CHECKPOINT_OPS):
            return
        first.setdefault(op, (function, node))
        counts[op] = counts.get(op, 0) + 1

    places = [(None, node, node.name in saver_nodes) for node in graph.nodes]
    places += [(name, node, name in saver_funcs) for name, nodes in library.items() for node in nodes]
    for function, node, in_saver in places:
        if _is_op(node.op) or node.op not in library:
            use(node.op, function, node.name, in_saver)
        for name in node.funcs:
            if _is_op(name) or name not in library:
                use(name, function, node.name, in_saver)
    return [(concern_rank(op_concern(op)), _finding(label, op, *first[op], counts[op] - 1, suffix))
            for op in first]


def _finding(label: str, op: str, function: str | None, node: str, more: int, suffix: str) -> Finding:
    if function is None:
        where, path = f"in the main graph (node '{node}')", node
    elif node:
        where, path = f"in function '{function}' (node '{node}')", f"{function}/{node}"
    else:
        where, path = f"in the attributes of function '{function}'", function
    also = f" and in {more} other place{'s' if more > 1 else ''}" if more else ""
    return Finding(
        path=path,
        message=(f"SavedModel {label} uses the op '{op}' ({op_concern(op)}) {where}{suffix}{also}; "
                 "load it only if you trust it"),
        code="op",
    )
