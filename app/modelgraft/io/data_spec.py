"""The ``data`` section of a project: which file feeds each graph input and output, and the split.

Pure Python (no TensorFlow): the schema (pydantic), its one-sentence validation messages,
and helpers the data API uses to edit the section. The section as stored::

    "data": {
      "bindings": {
        "raw":   {"source": "data/a.npy"},
        "side":  {"source": "data/b.csv", "key": ["f0", "color"], "validation": "data/b_val.csv",
                  "categories": {"color": ["blue", "green", "red"]}},
        "label": {"source": "data/b.csv", "key": "label"}
      },
      "split": {"fraction": 0.2, "seed": 0}
    }

Binding names are input-node or output-node names. ``source`` and ``validation`` are
paths relative to the project file in the file and absolute in memory (like model paths).
``categories`` holds the saved integer-id mapping of categorical CSV columns (id = index in
the list) and, under ``"class"``, the class names of an image folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from ..core.errors import DataError, ProjectFileError
from .paths import relative_to, resolve

__all__ = [
    "CLASS_KEY",
    "IMAGE_SUFFIXES",
    "SOURCE_KINDS",
    "Binding",
    "DataSection",
    "Split",
    "conform_shape",
    "data_for_file",
    "data_from_file",
    "parse_data",
    "resolve_paths",
    "source_kind",
    "with_binding",
    "with_categories",
    "with_split",
    "without_binding",
]

SOURCE_KINDS = ("csv", "npy", "npz", "images")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
CLASS_KEY = "class"

Text = Annotated[str, Strict(), Field(min_length=1)]
Key = Text | Annotated[list[Text], Field(min_length=1)] | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Binding(_Strict):
    """What feeds one input or output node.

    Attributes:
        source: A ``.csv``, ``.npy`` or ``.npz`` file or an image folder (one sub-folder per class).
        key: An NPZ array name, a CSV column or list of columns; ``None`` for NPY files and
            image folders (images for an input, class ids for an output) and for the single
            array of an NPZ file.
        validation: A separate validation source of the same layout, or ``None``.
        categories: Saved id mappings of categorical columns (``{column: [values…]}``).
    """

    source: Text
    key: Key = None
    validation: Text | None = None
    categories: dict[str, list[Annotated[str, Strict()]]] = Field(default_factory=dict)


class Split(_Strict):
    """Rows held out for validation by a seeded shuffle (when no binding has its own source)."""

    fraction: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] = 0.2
    seed: Annotated[int, Strict(), Field(ge=0)] = 0


class DataSection(_Strict):
    """The whole ``data`` section."""

    bindings: dict[str, Binding] = Field(default_factory=dict)
    split: Split | None = None


# ---------------------------------------------------------------------------- validation


_PHRASES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "key": "must be a column or array name, a non-empty list of them, or null",
}


def _message(err: ValidationError, where: str, raw: Any = None) -> str:
    first = err.errors(include_url=False)[0]
    loc, kind, value = where, first["type"], first.get("input")
    for i, part in enumerate(first["loc"]):
        if part == "key" and i == 2:  # a union: name the field, not the branch pydantic tried
            loc += ".key"
            kind = "key"
            if isinstance(raw, dict):
                value = raw.get("bindings", {}).get(first["loc"][1], {}).get("key", value)
            break
        loc += f"[{part}]" if isinstance(part, int) else f".{part}"
    what = _PHRASES.get(kind, str(first["msg"]).replace("Input should be", "must be"))
    what = what.format(**first.get("ctx", {})) if "{" in what else what
    if kind not in ("missing", "extra_forbidden"):
        what += f", got {_short(value)}"
    return f"{loc}: {what}"


def _short(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (dict, list)) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_data(raw: Any, where: str = "data") -> DataSection:
    """Check a ``data`` section.

    Args:
        raw: The section as stored (``{}`` is an empty section).
        where: How messages name the section.

    Raises:
        DataError: one sentence naming the first bad field, e.g.
            ``data.bindings.x.key: must be text, a list of text or null, got 3``.
    """
    try:
        return DataSection.model_validate(raw)
    except ValidationError as err:
        raise DataError(_message(err, where, raw)) from None


def _dump(section: DataSection) -> dict[str, Any]:
    """The section as plain data: bindings without their empty fields, the split in full."""
    out: dict[str, Any] = {"bindings": {name: b.model_dump(exclude_defaults=True)
                                        for name, b in section.bindings.items()}}
    if section.split is not None:
        out["split"] = section.split.model_dump()
    return out


# ---------------------------------------------------------------------------- paths


def _map_paths(section: DataSection, fn: Any) -> DataSection:
    bindings = {
        name: b.model_copy(update={"source": fn(b.source),
                                   "validation": fn(b.validation) if b.validation else None})
        for name, b in section.bindings.items()
    }
    return section.model_copy(update={"bindings": bindings})


def data_for_file(data: dict[str, Any], project_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The section as written to a project file in ``project_dir``: paths relative to it.

    Raises:
        DataError: the section is not valid.
    """
    if not data:
        return {}
    base = os.path.abspath(project_dir)
    return _dump(_map_paths(parse_data(data), lambda p: relative_to(p, base)))


def resolve_paths(data: dict[str, Any], project_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """A copy of the section with relative paths resolved against ``project_dir``.

    Raises:
        DataError: the section is not valid.
    """
    base = os.path.abspath(project_dir)
    return _dump(_map_paths(parse_data(data), lambda p: resolve(p, base)))


def data_from_file(raw: Any, project_dir: str | os.PathLike[str], file: str) -> dict[str, Any]:
    """The section read from a project file: validated, paths made absolute.

    Raises:
        ProjectFileError: a bad field, e.g. ``demo.mgraft: data.split.fraction: must be less
            than 1.0, got 1.5``.
    """
    try:
        return resolve_paths(raw, project_dir)
    except DataError as err:
        raise ProjectFileError(f"{file}: {err}") from None


# ---------------------------------------------------------------------------- editing


def with_binding(data: dict[str, Any], name: str, binding: Binding) -> dict[str, Any]:
    """A copy of the section with ``name`` bound to ``binding`` (replacing an older binding,
    whose saved categories are kept when the source stays the same)."""
    section = parse_data(data)
    old = section.bindings.get(name)
    if old is not None and old.source == binding.source and not binding.categories:
        binding = binding.model_copy(update={"categories": old.categories})
    return _dump(section.model_copy(update={"bindings": {**section.bindings, name: binding}}))


def without_binding(data: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy of the section without the binding of ``name`` (unchanged if there is none)."""
    section = parse_data(data)
    bindings = {k: v for k, v in section.bindings.items() if k != name}
    return _dump(section.model_copy(update={"bindings": bindings}))


def with_renamed_binding(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """A copy of the section with the binding of node ``old`` moved to ``new`` (unchanged if
    ``old`` has none)."""
    section = parse_data(data)
    if old not in section.bindings:
        return data
    bindings = {(new if k == old else k): v for k, v in section.bindings.items()}
    return _dump(section.model_copy(update={"bindings": bindings}))


def with_split(data: dict[str, Any], fraction: float, seed: int) -> dict[str, Any]:
    """A copy of the section holding out ``fraction`` of the rows (seeded); 0 removes the split.

    Raises:
        DataError: the fraction is not in [0, 1) or the seed is negative.
    """
    section = parse_data(data)
    split = None
    if fraction:
        try:
            split = Split(fraction=fraction, seed=seed)
        except ValidationError as err:
            raise DataError(_message(err, "validation split")) from None
    elif isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DataError(f"validation split.seed: must be a whole number ≥ 0, got {seed!r}")
    return _dump(section.model_copy(update={"split": split}))


def with_categories(data: dict[str, Any], name: str, categories: dict[str, list[str]]) -> dict[str, Any]:
    """A copy of the section with the category mappings of binding ``name`` replaced."""
    section = parse_data(data)
    binding = section.bindings[name].model_copy(update={"categories": categories})
    return _dump(section.model_copy(update={"bindings": {**section.bindings, name: binding}}))


# ---------------------------------------------------------------------------- sources and shapes


def source_kind(path: str | os.PathLike[str], what: str) -> Literal["csv", "npy", "npz", "images"]:
    """The kind of a data source, checking that it exists.

    Args:
        path: The file or folder.
        what: How messages name the binding, e.g. ``"binding 'x'"``.

    Raises:
        DataError: the path does not exist or is not a supported kind.
    """
    p = Path(path)
    if p.is_dir():
        return "images"
    if not p.exists():
        raise DataError(f"{what}: data file '{p}' does not exist")
    suffix = p.suffix.lower()
    if suffix in (".csv", ".npy", ".npz"):
        return suffix[1:]  # type: ignore[return-value]
    raise DataError(f"{what}: '{p.name}' is not a supported data source; use a .csv, .npy or .npz "
                    "file or a folder of images with one sub-folder per class")


def conform_shape(found: Iterable[int | None], expected: Iterable[int | None]) -> tuple[int, ...] | None:
    """The shape data of per-row shape ``found`` takes to fit a port of shape ``expected``.

    ``None`` in ``expected`` matches any length. A trailing axis of length 1 may be added
    or dropped ((3,) fits (3, 1) and the other way round); anything else does not fit.

    Returns:
        The per-row shape to reshape to (``found`` itself when it fits as is), or ``None``.
    """
    found, expected = tuple(found), tuple(expected)

    def fits(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
        return len(a) == len(b) and all(e is None or f == e for f, e in zip(a, b))

    if fits(found, expected):
        return found  # type: ignore[return-value]
    if expected and expected[-1] in (1, None) and fits(found, expected[:-1]):
        return (*found, 1)  # type: ignore[return-value]
    if found and found[-1] == 1 and fits(found[:-1], expected):
        return found[:-1]  # type: ignore[return-value]
    return None
