"""Loading trained models (``.keras``, legacy ``.h5``, SavedModel directories) as graph parts.

Every public function here runs on the engine thread (callers use
:func:`modelgraft.engine.runtime.run`); TensorFlow is imported lazily.

Caching: loading a ``.keras``/``.h5`` file keeps, per engine, the model's serialized config
and a copy of its weights, keyed by the file's real path, modification time, size and the
``trusted`` flag. Loading the same unchanged file again rebuilds the model from that cache
without touching the disk, so every node gets its OWN model instance with its own weights
(two nodes from one file never share weights; fine-tuning one leaves the other alone). The
cache is bounded (:data:`CACHE_BYTES` of weights, least recently used entries dropped first)
and emptied with :func:`clear_cache`. SavedModel directories are not cached: TensorFlow can
only give a node its own variables by restoring the directory again, so each node reads it
once (its signatures are read in the same pass).

Every file goes through the pre-load scan (:func:`modelgraft.io.check_safe`) first, before
Keras or TensorFlow reads it: ``.keras``/``.h5`` configs can carry Python code (Lambda
layers, lambdas, classes from outside Keras) or point to other SavedModels, and SavedModel
graphs can hold ops that read or write files or call Python. Such files load only when
``trusted``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ModelFileError, UnsafeModelError
from ..io import check_safe, detect_format, sha256_file
from . import runtime
from .layers import register_custom_layers

__all__ = [
    "CACHE_BYTES",
    "LoadedModel",
    "clear_cache",
    "load_model",
    "set_trainable",
]

CACHE_BYTES = 1 << 30
"""Most bytes of weights the file cache keeps (bigger models are simply not cached)."""

_SUFFIXES = {"keras": ".keras", "h5": ".h5"}


@dataclass
class _CacheEntry:
    config: str  # JSON: Keras mutates configs while deserializing them
    weights: list[Any]
    nbytes: int


_cache: OrderedDict[tuple[Any, ...], _CacheEntry] = OrderedDict()


@dataclass
class LoadedModel:
    """A trained model ready to be called inside a functional graph.

    Attributes:
        layer: The Keras model (``.keras``/``.h5``) or
            :class:`~modelgraft.engine.savedmodel_layer.SavedModelLayer` (SavedModel).
        format: ``"keras"``, ``"h5"`` or ``"savedmodel"``.
        path: The file or directory it was read from.
        input_names: Input port names, in port order.
        output_names: Output port names, in port order.
        endpoints: The SavedModel's signature keys (empty for ``.keras``/``.h5``).
        endpoint: The signature called (``None`` for ``.keras``/``.h5``).
        inputs: Signature entries (name, shape, dtype) of the input ports.
        outputs: Signature entries of the output ports.
        input_mode: How :attr:`layer` takes its inputs: ``"dict"`` (by name), ``"list"``
            or ``"single"``.
    """

    layer: Any
    format: str
    path: str
    input_names: list[str]
    output_names: list[str]
    endpoints: list[str] = field(default_factory=list)
    endpoint: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list, repr=False)
    outputs: list[dict[str, Any]] = field(default_factory=list, repr=False)
    input_mode: str = field(default="list", repr=False)

    @property
    def name(self) -> str:
        """The Keras name of :attr:`layer`."""
        return str(self.layer.name)

    @property
    def signature(self) -> dict[str, Any]:
        """The complete signature in the :mod:`modelgraft.nodes.model` format.

        Parameter counts are computed now, so they follow :func:`set_trainable`.
        """
        return {
            "format": self.format,
            "inputs": [dict(e) for e in self.inputs],
            "outputs": [dict(e) for e in self.outputs],
            "params": {"total": _count(self.layer.weights),
                       "trainable": _count(self.layer.trainable_weights)},
            "endpoints": list(self.endpoints),
            "endpoint": self.endpoint,
        }

    def call(self, inputs: list[Any]) -> list[Any]:
        """Call the model on symbolic (or eager) tensors given in input-port order.

        Args:
            inputs: One tensor per input port, in :attr:`input_names` order.

        Returns:
            One tensor per output port, in :attr:`output_names` order.
        """
        if len(inputs) != len(self.input_names):
            raise ValueError(f"model '{self.name}' takes {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(inputs)}")
        if self.input_mode == "dict":
            args: Any = dict(zip(self.input_names, inputs))
        elif self.input_mode == "single":
            args = inputs[0]
        else:
            args = list(inputs)
        result = self.layer(args)
        if isinstance(result, dict):
            return [result[n] for n in self.output_names]
        if isinstance(result, (list, tuple)):
            return list(result)
        return [result]


def set_trainable(loaded: LoadedModel, flag: bool) -> None:
    """Freeze (``False``) or unfreeze (``True``) the whole loaded model.

    Keras semantics: ``True`` makes every sublayer trainable, including layers the file had
    frozen. Recompile any model that contains it afterwards.
    """
    loaded.layer.trainable = bool(flag)


def clear_cache() -> None:
    """Forget every cached model file (for tests, or to free memory)."""
    _cache.clear()


def load_model(path: str | os.PathLike[str], *, trusted: bool = False, trusted_sha256: str | None = None,
               endpoint: str | None = None, name: str | None = None,
               trainable: bool | None = None) -> LoadedModel:
    """Load a ``.keras`` file, a legacy ``.h5`` file or a SavedModel directory.

    Args:
        path: The model file or SavedModel directory.
        trusted: Accept what the pre-load scan finds (:func:`modelgraft.io.check_safe`):
            code stored in a ``.keras``/``.h5`` file (Lambda layers, lambdas, classes
            from outside Keras) or SavedModel ops outside the allow-list (file I/O, Python
            calls). Without it such a file is refused before Keras or TensorFlow sees it.
        trusted_sha256: The SHA-256 the file had when it was trusted; a file that changed
            since is scanned and refused as if it were not trusted.
        endpoint: The SavedModel signature to call; default ``serve``, else
            ``serving_default``, else the only one. Ignored for ``.keras``/``.h5``.
        name: The Keras name to give the model (the node name); two loaded models must
            have different names to live in one outer model. ``None`` keeps the file's name.
        trainable: Freeze (``False``) or unfreeze (``True``) the model; ``None`` keeps
            the flags stored in the file.

    Returns:
        The :class:`LoadedModel`, with a complete :attr:`~LoadedModel.signature`.

    Raises:
        UnsafeModelError: The file holds code and ``trusted`` is false.
        ModelFileError: The path is missing or is not a readable model.
    """
    path = os.fspath(path)
    fmt = detect_format(path)
    trusted = _check_trust(path, trusted, trusted_sha256)
    if fmt == "savedmodel":
        loaded = _load_savedmodel(path, endpoint, name)
    else:
        loaded = _load_keras(path, fmt, trusted, name)
    if trainable is not None:
        set_trainable(loaded, trainable)
    return loaded


def _check_trust(path: str, trusted: bool, trusted_sha256: str | None) -> bool:
    """Run the pre-load scan; returns whether the file is trusted (not if it changed since)."""
    changed = trusted and trusted_sha256 is not None and sha256_file(path) != trusted_sha256
    try:
        check_safe(path, trusted=trusted and not changed)
        return trusted and not changed
    except UnsafeModelError as err:
        if not changed:
            raise
        raise UnsafeModelError(f"model file '{_label(path)}' changed since it was trusted (its sha256 "
                               f"differs), so it is scanned again: {err}", err.findings) from None


# --------------------------------------------------------------------------- .keras / .h5


def _load_keras(path: str, fmt: str, trusted: bool, name: str | None) -> LoadedModel:
    keras = runtime.keras()
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size, trusted)
    entry = _cache.get(key)
    if entry is not None:
        _cache.move_to_end(key)
        model = keras.saving.deserialize_keras_object(json.loads(entry.config),
                                                      safe_mode=not trusted)
        model.set_weights(entry.weights)
    else:
        model = _read_keras(path, fmt, trusted)
        _remember(key, json.dumps(keras.saving.serialize_keras_object(model)), model.get_weights())
    if name is not None:
        model.name = name
    return _describe_keras(model, fmt, path)


def _read_keras(path: str, fmt: str, trusted: bool) -> Any:
    """``keras.saving.load_model`` with every failure turned into one sentence.

    Keras picks the reader by extension, so a file whose content does not match its
    extension (an HDF5 file named ``.keras``) is read through a link with the right one.
    """
    keras = runtime.keras()
    register_custom_layers()
    suffix = _SUFFIXES[fmt]
    try:
        if path.lower().endswith(suffix):
            return keras.saving.load_model(path, compile=False, safe_mode=not trusted)
        with tempfile.TemporaryDirectory(prefix="modelgraft-load-") as tmp:
            link = os.path.join(tmp, "model" + suffix)
            os.symlink(os.path.abspath(path), link)
            return keras.saving.load_model(link, compile=False, safe_mode=not trusted)
    except Exception as err:  # noqa: BLE001 - Keras raises many types; all become one sentence
        raise _translate(path, err, trusted) from err


def _translate(path: str, err: Exception, trusted: bool) -> ModelFileError:
    """The user-facing error for an exception raised while Keras reads ``path``."""
    label = _label(path)
    text = str(err)
    if not trusted and "safe_mode" in text:
        return UnsafeModelError(f"model '{label}' contains code that would run when loaded; "
                                "pass trusted=True only if you trust the file")
    missing = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
    if missing:
        return ModelFileError(f"model '{label}' uses the custom object '{missing.group(1)}', which is "
                              "not registered; import the code that defines it before loading")
    if isinstance(err, (zipfile.BadZipFile, EOFError)) or "truncated" in text.lower():
        return ModelFileError(f"model file '{label}' is damaged or truncated")
    return ModelFileError(f"model file '{label}' could not be loaded: {_first_line(err)}")


def _remember(key: tuple[Any, ...], config: str, weights: list[Any]) -> None:
    nbytes = sum(int(w.nbytes) for w in weights)
    if nbytes > CACHE_BYTES:
        return
    _cache[key] = _CacheEntry(config, weights, nbytes)
    for old in [k for k in _cache if k[0] == key[0] and k != key]:
        del _cache[old]  # an older version of the same file
    while sum(e.nbytes for e in _cache.values()) > CACHE_BYTES:
        _cache.popitem(last=False)


def _describe_keras(model: Any, fmt: str, path: str) -> LoadedModel:
    label = _label(path)
    tensors_in, tensors_out = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not tensors_in or not tensors_out:
        raise ModelFileError(f"model '{label}' has no symbolic inputs (a subclassed model); "
                             "save it as a functional or Sequential model")
    struct_in, struct_out = _structure(model, "input"), _structure(model, "output")
    if isinstance(struct_in, dict):
        mode, in_names = "dict", list(struct_in)
    else:
        mode = "list" if isinstance(struct_in, (list, tuple)) else "single"
        in_names = _unique([t.name for t in tensors_in])
    if isinstance(struct_out, dict):
        out_names = list(struct_out)
        outputs = [_entry(k, t) for k, t in struct_out.items()]
    else:
        out_names = _unique([t._keras_history.operation.name for t in tensors_out])
        outputs = [_entry(n, t) for n, t in zip(out_names, tensors_out)]
    tensors = struct_in.values() if isinstance(struct_in, dict) else tensors_in
    return LoadedModel(
        layer=model, format=fmt, path=path, input_names=in_names, output_names=out_names,
        inputs=[_entry(n, t) for n, t in zip(in_names, tensors)], outputs=outputs, input_mode=mode)


def _structure(model: Any, side: str) -> Any:
    """``model.input``/``model.output`` (a dict, list or tensor); Sequential models lack them."""
    try:
        return getattr(model, side)
    except AttributeError:
        tensors = getattr(model, side + "s")
        return tensors[0] if len(tensors) == 1 else tensors


def _entry(name: str, tensor: Any) -> dict[str, Any]:
    return {"name": name, "shape": list(tensor.shape[1:]), "dtype": str(tensor.dtype)}


# --------------------------------------------------------------------------- SavedModel


def _load_savedmodel(path: str, endpoint: str | None, name: str | None) -> LoadedModel:
    tf = runtime.tf()
    from .savedmodel_layer import SavedModelLayer, signature_io

    label = _label(path)
    try:
        obj = tf.saved_model.load(path)
    except Exception as err:  # noqa: BLE001 - TF raises many types; all become one sentence
        raise ModelFileError(f"SavedModel '{label}' could not be loaded: {_first_line(err)}") from err
    endpoints = list(obj.signatures)
    if not endpoints:
        raise ModelFileError(f"SavedModel '{label}' has no signatures, so there is nothing to call; "
                             "export it with model.export() or with a serving signature")
    if endpoint is None:
        defaults = [e for e in ("serve", "serving_default") if e in endpoints]
        if not defaults and len(endpoints) > 1:
            raise ModelFileError(f"SavedModel '{label}' has several signatures "
                                 f"({', '.join(endpoints)}); choose one as the endpoint")
        endpoint = (defaults or endpoints)[0]
    elif endpoint not in endpoints:
        raise ModelFileError(f"SavedModel '{label}' has no signature '{endpoint}'; "
                             f"available: {', '.join(endpoints)}")
    ins, outs = signature_io(obj.signatures[endpoint])
    for n, spec in ins.items():
        if spec.shape.rank == 0:
            raise ModelFileError(f"SavedModel '{label}' input '{n}' of signature '{endpoint}' "
                                 "has no batch axis")
    layer = SavedModelLayer(path, endpoint, name=name, loaded=obj)
    return LoadedModel(
        layer=layer, format="savedmodel", path=path, input_names=list(ins),
        output_names=list(outs), endpoints=endpoints, endpoint=endpoint,
        inputs=[_spec_entry(n, s) for n, s in ins.items()],
        outputs=[_spec_entry(n, s) for n, s in outs.items()],
        input_mode="list" if len(ins) > 1 else "single")


def _spec_entry(name: str, spec: Any) -> dict[str, Any]:
    shape = None if spec.shape.rank is None else spec.shape.as_list()[1:]
    return {"name": name, "shape": shape, "dtype": spec.dtype.name}


# --------------------------------------------------------------------------- helpers


def _count(variables: list[Any]) -> int:
    total = 0
    for v in variables:
        n = 1
        for d in v.shape:
            n *= int(d)
        total += n
    return total


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        count = seen.get(n, 0)
        seen[n] = count + 1
        out.append(n if count == 0 else f"{n}_{count}")
    return out


def _label(path: str) -> str:
    return os.path.basename(os.path.normpath(path)) or path


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = text[0] if text else type(err).__name__
    return line if len(line) <= 200 else line[:197] + "..."
