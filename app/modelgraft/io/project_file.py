"""The ``.mgraft`` project file: versioned JSON holding the graph, data and training settings.

The format is documented in ``docs/project-format.md``. Reading checks the document in
three stages, each reporting the first problem as one sentence that names the file and
the field path (``demo.mgraft: nodes[2].params.units: must be a whole number, got 'x'``):

1. text and JSON (:func:`read_project`): unreadable bytes, broken JSON with line and
   column, a newer format version, older versions migrated (:mod:`.migrations`);
2. the schema (:class:`ProjectData`, pydantic): types and required fields;
3. the graph (:func:`data_to_graph`): node kinds, parameters, names and edges.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, ValidationError

from ..core.catalog import Catalog
from ..core.errors import GraphError, ParamError, ProjectFileError, UnknownKind
from ..core.graph import Graph
from .atomic import atomic_write_text
from .data_spec import data_for_file
from .migrations import CURRENT_VERSION, MigrationError, migrate
from .paths import relative_to, resolve

__all__ = [
    "CURRENT_VERSION",
    "FORMAT_NAME",
    "PATH_PARAMS",
    "EdgeData",
    "NodeData",
    "ProjectData",
    "data_to_graph",
    "graph_to_data",
    "open_project",
    "parse_project",
    "project_json",
    "read_project",
    "save_project",
    "write_project",
]

FORMAT_NAME = "modelgraft-project"

PATH_PARAMS: dict[str, tuple[str, ...]] = {"model": ("path",)}
"""Parameters holding file paths, per node kind: stored relative to the project file."""

Name = Annotated[str, Strict(), Field(min_length=1)]
Coordinate = Annotated[float, Strict(), AllowInfNan(False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeData(_Strict):
    """One node as stored: its name, kind, parameters and canvas position."""

    name: Name
    kind: Name
    params: dict[str, Any] = Field(default_factory=dict)
    position: tuple[Coordinate, Coordinate] = (0.0, 0.0)


class EdgeData(_Strict):
    """One edge as stored, by node and port names."""

    src: Name
    src_port: Name
    dst: Name
    dst_port: Name


class ProjectData(_Strict):
    """A whole project file (format version :data:`CURRENT_VERSION`).

    Attributes:
        format: Always ``"modelgraft-project"``.
        version: The format version.
        name: The project's display name.
        nodes: The nodes, in the order they are re-added.
        edges: The edges.
        data: Data sources and splits (free-form for now).
        training: Training settings (free-form for now).
    """

    format: Literal["modelgraft-project"] = FORMAT_NAME
    version: Literal[1] = CURRENT_VERSION
    name: Annotated[str, Strict()]
    nodes: list[NodeData] = Field(default_factory=list)
    edges: list[EdgeData] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------------------- reading


def read_project(path: str | os.PathLike[str]) -> ProjectData:
    """Read and check a project file, migrating older format versions.

    Model paths stay as stored (relative to the file); :func:`data_to_graph` resolves them.

    Raises:
        ProjectFileError: the file cannot be read or is not a valid project; the message
            names the file and the first bad field.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(f"project file '{p.name}' does not exist") from None
    except IsADirectoryError:
        raise ProjectFileError(f"'{p.name}' is a directory, not a project file") from None
    except OSError as err:
        raise ProjectFileError(f"project file '{p.name}' cannot be read ({err.strerror or err})") from None
    return parse_project(raw, p.name)


def parse_project(raw: bytes | str, file: str) -> ProjectData:
    """Check and migrate the content of a project file.

    Args:
        raw: The file content.
        file: The file name, for messages.

    Raises:
        ProjectFileError: see :func:`read_project`.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise ProjectFileError(_binary(file, err.start)) from None
    else:
        text = raw.removeprefix("\ufeff")
    if not text.strip():
        raise ProjectFileError(f"{file} is empty, not a ModelGraft project")
    if "\0" in text:
        raise ProjectFileError(_binary(file, len(text[:text.index("\0")].encode())))
    doc = _parse_json(text, file)
    if not isinstance(doc, dict):
        raise ProjectFileError(f"{file} is not a ModelGraft project: its top level is not a JSON object")
    if doc.get("format") != FORMAT_NAME:
        raise ProjectFileError(
            f"{file} is not a ModelGraft project: its 'format' is {_short(doc.get('format'))}, "
            f"not '{FORMAT_NAME}'"
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ProjectFileError(f"{file}: version: must be a whole number ≥ 0, got {_short(version)}")
    if version > CURRENT_VERSION:
        raise ProjectFileError(
            f"{file} was written by a newer ModelGraft (format {version}); this one reads "
            f"formats up to {CURRENT_VERSION}, so update ModelGraft to open it"
        )
    try:
        doc = migrate(doc, version)
    except MigrationError as err:
        raise ProjectFileError(f"{file}: {err.loc} (format {version}): {err.what}") from None
    try:
        return ProjectData.model_validate(doc)
    except ValidationError as err:
        raise ProjectFileError(f"{file}: {_pydantic_message(err)}") from None


def _binary(file: str, offset: int) -> str:
    return f"{file} is not a ModelGraft project: it is binary data, not UTF-8 text (byte {offset})"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_JSON_PHRASES = {"Extra data": "unexpected text after the end of the document"}


def _parse_json(text: str, file: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        # the decoder's messages, minus the trailing " at" some of them end with
        what = _JSON_PHRASES.get(err.msg, err.msg.removesuffix(" at")).lower()
        raise ProjectFileError(
            f"{file} is not valid JSON: {what} at line {err.lineno}, column {err.colno}"
        ) from None
    except ValueError as err:
        raise ProjectFileError(f"{file} is not valid JSON: {err}") from None
    except RecursionError:
        raise ProjectFileError(f"{file} is not a ModelGraft project: its JSON is nested too deeply") from None


_PHRASES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_type": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "tuple_type": "must be a pair of numbers [x, y]",
    "too_short": "must be a pair of numbers [x, y]",
    "too_long": "must be a pair of numbers [x, y]",
}


def _pydantic_message(err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    loc = _loc(first["loc"])
    kind = first["type"]
    if kind == "literal_error":
        what = f"must be {first.get('ctx', {}).get('expected', 'another value')}"
    else:
        what = _PHRASES.get(kind) or str(first["msg"]).replace("Input should be", "must be")
    if kind not in ("missing", "extra_forbidden"):
        what += f", got {_short(first.get('input'))}"
    return f"{loc}: {what}" if loc else what


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else json.dumps(value)[:40]
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------------------- writing


def project_json(data: ProjectData) -> str:
    """The project as the text of a ``.mgraft`` file (indented JSON, one final newline).

    Raises:
        ProjectFileError: a parameter or setting cannot be stored as JSON.
    """
    try:
        return json.dumps(data.model_dump(), indent=2, ensure_ascii=False,
                          allow_nan=False) + "\n"
    except (TypeError, ValueError) as err:
        raise ProjectFileError(f"project '{data.name}' cannot be saved as JSON: {err}") from None


def write_project(path: str | os.PathLike[str], data: ProjectData) -> None:
    """Write a project file atomically (the old file stays intact if anything fails).

    Raises:
        ProjectFileError: the data cannot be stored as JSON, or the file cannot be written.
    """
    text = project_json(data)
    try:
        atomic_write_text(path, text)
    except OSError as err:
        raise ProjectFileError(
            f"project file '{Path(path).name}' cannot be written ({err.strerror or err})"
        ) from None


# ---------------------------------------------------------------------------- graph <-> data


def graph_to_data(graph: Graph, project_dir: str | os.PathLike[str], name: str,
                  data: dict[str, Any] | None = None,
                  training: dict[str, Any] | None = None) -> ProjectData:
    """Describe a graph as project data, with file paths relative to ``project_dir``.

    Args:
        graph: The graph.
        project_dir: The directory the project file will be written to.
        name: The project name.
        data: The ``data`` section.
        training: The ``training`` section.
    """
    base = os.path.abspath(project_dir)
    nodes = []
    for node in graph.nodes:
        params = _plain(node.params)
        for key in PATH_PARAMS.get(node.kind, ()):
            if isinstance(params.get(key), str):
                params[key] = relative_to(params[key], base)
        nodes.append(NodeData(name=node.name, kind=node.kind, params=params, position=node.position))
    edges = [EdgeData(src=s, src_port=sp, dst=d, dst_port=dp)
             for s, sp, d, dp in (edge.key() for edge in graph.edges)]
    return ProjectData(name=name, nodes=nodes, edges=edges, data=data_for_file(data or {}, base),
                       training=_plain(training or {}))


def _plain(value: Any) -> Any:
    """``value`` as it reads back from JSON: tuples become lists (so data compare equal)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def data_to_graph(data: ProjectData, project_dir: str | os.PathLike[str], catalog: Catalog,
                  source: str | None = None) -> Graph:
    """Rebuild the graph of a project, resolving file paths against ``project_dir``.

    Edges whose specs do not fit are kept (``check()`` lists them), so a project with a
    bad connection still opens. Model files are not touched: use
    :func:`~modelgraft.io.model_check.model_file_problems` to find missing or changed ones.

    Args:
        data: The project data.
        project_dir: The directory holding the project file.
        catalog: The node kinds (``modelgraft.nodes.CATALOG``).
        source: The file name to start messages with.

    Raises:
        ProjectFileError: a node or edge cannot be re-created; the message names the field.
    """
    prefix = f"{source}: " if source else ""
    base = os.path.abspath(project_dir)
    graph = Graph(catalog)
    for i, node in enumerate(data.nodes):
        params = dict(node.params)
        for key in PATH_PARAMS.get(node.kind, ()):
            if isinstance(params.get(key), str) and params[key]:
                params[key] = resolve(params[key], base)
        try:
            graph.add_node(node.kind, params, node.name, node.position)
        except ParamError as err:
            raise ProjectFileError(_param_message(prefix, i, node, err)) from None
        except UnknownKind as err:
            raise ProjectFileError(f"{prefix}nodes[{i}].kind: {err}") from None
        except GraphError as err:
            raise ProjectFileError(f"{prefix}nodes[{i}].name: {err}") from None
    for j, edge in enumerate(data.edges):
        try:
            src = graph.node(edge.src).output(edge.src_port)
            dst = graph.node(edge.dst).input(edge.dst_port)
            graph.connect(src, dst, force=True)
        except GraphError as err:
            raise ProjectFileError(f"{prefix}edges[{j}]: {err}") from None
    return graph


def _param_message(prefix: str, index: int, node: NodeData, err: ParamError) -> str:
    """``file: nodes[i].params.field: what (node 'name')`` from a catalog ParamError."""
    text = str(err)
    where = f"'{node.name}' ({node.kind}): "
    text = text.removeprefix(where)
    loc = f"nodes[{index}].params"
    if err.field:
        loc += f".{err.field}"
        lead = f"parameter '{err.field}' "
        text = text.removeprefix(lead)
    return f"{prefix}{loc}: {text} (node '{node.name}')"


def open_project(path: str | os.PathLike[str], catalog: Catalog) -> tuple[ProjectData, Graph]:
    """Read a project file and rebuild its graph.

    Raises:
        ProjectFileError: see :func:`read_project` and :func:`data_to_graph`.
    """
    p = Path(path)
    data = read_project(p)
    return data, data_to_graph(data, p.absolute().parent, catalog, source=p.name)


def save_project(path: str | os.PathLike[str], graph: Graph, name: str | None = None,
                 data: dict[str, Any] | None = None,
                 training: dict[str, Any] | None = None) -> ProjectData:
    """Write a graph (and its data and training sections) to a project file atomically.

    Args:
        path: The ``.mgraft`` file.
        graph: The graph.
        name: The project name (default: the file name without extension).
        data: The ``data`` section.
        training: The ``training`` section.

    Returns:
        What was written.
    """
    p = Path(path).absolute()
    project = graph_to_data(graph, p.parent, name if name is not None else p.stem, data, training)
    write_project(p, project)
    return project
