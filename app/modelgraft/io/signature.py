"""A model's ports read from its stored Keras config, without TensorFlow.

The result is the ``signature`` parameter of the ``model`` node kind (see
:mod:`modelgraft.nodes.model`)::

    {"format": "keras" | "h5" | "savedmodel",
     "inputs":  [{"name": str, "shape": [int | None, ...], "dtype": str, "ragged"?: True}],
     "outputs": [{"name": str, "shape": None, "dtype": None}],
     "params": None, "endpoints": [], "ports_known": bool}

Input shapes exclude the batch axis. Output shapes and dtypes are not stored in Keras
files, so they are ``None`` until the engine loads the model; so are the parameter
counts. ``ports_known`` is false when only the engine can tell the ports (SavedModel
directories, subclassed models): ``inputs`` and ``outputs`` are then empty.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core.errors import ModelFileError
from ..core.spec import DTYPES
from .model_files import ModelFormat, detect_format, read_model_config, sha256_file

__all__ = ["model_node_params", "read_signature", "signature_from_config"]

_SEQUENTIAL = "Sequential"
_INPUT_LAYER = "InputLayer"


class _Unreadable(Exception):
    """The config has a shape this reader does not understand (becomes a ModelFileError)."""


def read_signature(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a model's input and output ports from its file, in milliseconds.

    For a ``.keras`` archive only ``config.json`` is read; for a legacy ``.h5`` file only
    the ``model_config`` attribute. Functional and Sequential models, nested models,
    several inputs and outputs (lists or dicts) are understood.

    A SavedModel directory cannot be inspected without TensorFlow: the result then has
    ``"format": "savedmodel"``, empty ``inputs`` and ``outputs`` and ``"ports_known":
    False``, and the engine fills the ports when it loads the model (it also picks the
    endpoint). The same holds for subclassed Keras models, whose config has no layer graph.

    Args:
        path: The model file or directory.

    Returns:
        The signature dict described in this module's docstring.

    Raises:
        ModelFileError: the file is not a model or its config cannot be understood.
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt == "savedmodel":
        return _signature(fmt, [], [], known=False)
    return signature_from_config(read_model_config(p, fmt), p.name or str(p), fmt)


def signature_from_config(config: dict[str, Any], file: str, fmt: ModelFormat = "keras") -> dict[str, Any]:
    """The signature of a serialized Keras model (``config.json`` or an h5 ``model_config``).

    Args:
        config: The serialized model, with ``class_name`` and ``config``.
        file: The file name, for messages.
        fmt: The format to record in the signature.

    Raises:
        ModelFileError: the config cannot be understood.
    """
    try:
        ports = _model_ports(config)
        if ports is None:
            return _signature(fmt, [], [], known=False)
        inputs, outputs = ports
        if not inputs or not outputs:
            raise ModelFileError(
                f"model '{file}' has no {'inputs' if not inputs else 'outputs'} in its config "
                "(was it saved before being built?)"
            )
        for side in (inputs, outputs):
            _dedupe(side)
        for entry in inputs:
            if entry["dtype"] not in DTYPES:
                raise ModelFileError(
                    f"input '{entry['name']}' of model '{file}' has dtype {entry['dtype']}, "
                    "which ModelGraft does not support"
                )
        return _signature(fmt, inputs, outputs, known=True)
    except (_Unreadable, KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"the config of model '{file}' has a structure ModelGraft cannot read") from None


def model_node_params(path: str | os.PathLike[str], with_hash: bool = True) -> dict[str, Any]:
    """Parameters for a new ``model`` node: absolute path, file hash and signature.

    Args:
        path: The model file or SavedModel directory.
        with_hash: Hash the file now; the workbench passes False and lets the engine
            thread fill ``sha256`` in (hashing a large file would stall the GUI).

    Raises:
        ModelFileError: the path is not a readable model.
    """
    signature = read_signature(path)
    return {"path": os.path.abspath(path), "sha256": sha256_file(path) if with_hash else None,
            "signature": signature}


def _signature(fmt: str, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]],
               known: bool) -> dict[str, Any]:
    return {"format": fmt, "inputs": inputs, "outputs": outputs, "params": None, "endpoints": [],
            "ports_known": known}


def _dedupe(entries: list[dict[str, Any]]) -> None:
    """Make port names unique (a layer with several outputs appears once per tensor)."""
    seen: set[str] = set()
    for entry in entries:
        name, i = entry["name"], 1
        while entry["name"] in seen:
            entry["name"] = f"{name}_{i}"
            i += 1
        seen.add(entry["name"])


def _model_ports(obj: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """Inputs and outputs of a serialized model, or ``None`` for a subclassed model."""
    cfg = obj["config"]
    if obj["class_name"] == _SEQUENTIAL:
        return _sequential_ports(obj)
    if isinstance(cfg, dict) and "layers" in cfg and "input_layers" in cfg:
        return _functional_ports(cfg)
    return None


def _layer_name(layer: dict[str, Any]) -> str:
    name = layer.get("name") or layer["config"]["name"]
    if not isinstance(name, str) or not name:
        raise _Unreadable("layer without a name")
    return name


def _functional_ports(cfg: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    layers = {_layer_name(layer): layer for layer in cfg["layers"]}
    inputs = []
    for key, ref in _refs(cfg["input_layers"]):
        layer = layers[ref[0]]
        if layer["class_name"] != _INPUT_LAYER:
            raise _Unreadable("an input that is not an InputLayer")
        inputs.append(_input_entry(layer["config"], key or ref[0]))
    outputs = [_output_entry(key or ref[0]) for key, ref in _refs(cfg["output_layers"])]
    return inputs, outputs


def _refs(value: Any) -> list[tuple[str | None, list[Any]]]:
    """``(dict key or None, [layer, node, tensor])`` for a single ref, a list or a dict of refs."""
    if isinstance(value, dict):
        out: list[tuple[str | None, list[Any]]] = []
        for key, ref in value.items():
            out.extend((key, r) for _k, r in _refs(ref))
        return out
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
            and all(isinstance(v, int) for v in value[1:]):
        return [(None, value)]
    if isinstance(value, list):
        return [pair for item in value for pair in _refs(item)]
    raise _Unreadable("a tensor reference that is not a [layer, node, index] triple")


def _sequential_ports(obj: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = obj["config"]
    layers = cfg["layers"] if isinstance(cfg, dict) else cfg  # Keras 2.0 stored a bare list
    if not layers:
        return [], []
    first = layers[0]
    body = [layer for layer in layers if layer["class_name"] != _INPUT_LAYER]
    inputs: list[dict[str, Any]]
    if first["class_name"] == _INPUT_LAYER:
        inputs = [_input_entry(first["config"], _layer_name(first))]
    elif (nested := _model_ports(first)) is not None:
        inputs = nested[0]
    else:
        shape = _first_shape(
            first["config"].get("batch_shape"), first["config"].get("batch_input_shape"),
            cfg.get("build_input_shape") if isinstance(cfg, dict) else None,
            (obj.get("build_config") or {}).get("input_shape"),
        )
        if shape is None:
            return [], [_output_entry(_layer_name(layers[-1]))]
        inputs = [{"name": f"{_layer_name(first)}_input", "shape": shape,
                   "dtype": _dtype_name(first["config"].get("dtype"))}]
    last = body[-1] if body else first
    return inputs, [_output_entry(_layer_name(last))]


def _first_shape(*candidates: Any) -> list[int | None] | None:
    for batch_shape in candidates:
        if isinstance(batch_shape, list) and batch_shape:
            return _shape(batch_shape)
    return None


def _shape(batch_shape: list[Any]) -> list[int | None]:
    dims = batch_shape[1:]
    for d in dims:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 0):
            raise _Unreadable("a shape that is not a list of lengths")
    return list(dims)


def _input_entry(layer_cfg: dict[str, Any], name: str) -> dict[str, Any]:
    batch_shape = layer_cfg.get("batch_shape") or layer_cfg.get("batch_input_shape")
    if batch_shape is None and layer_cfg.get("shape") is not None:
        batch_shape = [None, *layer_cfg["shape"]]
    if not isinstance(batch_shape, list) or not batch_shape:
        raise _Unreadable("an InputLayer without a shape")
    entry: dict[str, Any] = {"name": name, "shape": _shape(batch_shape),
                             "dtype": _dtype_name(layer_cfg.get("dtype"))}
    if layer_cfg.get("ragged") is True and None in entry["shape"]:
        entry["ragged"] = True
    return entry


def _output_entry(name: str) -> dict[str, Any]:
    return {"name": name, "shape": None, "dtype": None}


def _dtype_name(dtype: Any) -> str:
    """A dtype name from a string or a serialized ``DTypePolicy``."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):
        dtype = dtype["config"]["name"]
    if not isinstance(dtype, str):
        raise _Unreadable("a dtype that is not a name")
    return "float32" if dtype.startswith("mixed_") else dtype  # mixed layers take float32 in
