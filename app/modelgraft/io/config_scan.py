"""The pre-load scan: what in a stored Keras config would run code when the model is loaded.

Keras's ``safe_mode`` refuses Python lambdas and ``TFSMLayer``; custom classes and
functions from outside Keras run their own code. The scan finds them before TensorFlow is
involved, so the user can decide whether to trust the file. Objects of ModelGraft's own
registered layers (``registered_name`` starting with ``modelgraft>``) are trusted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..core.errors import UnsafeModelError
from .model_files import detect_format, read_model_config

__all__ = ["Finding", "FindingCode", "check_safe", "scan_config"]

FindingCode = Literal["lambda", "bytecode", "tfsm", "custom"]

_SAFE_PACKAGES = frozenset({"keras", "keras_hub", "keras_cv", "keras_nlp", "builtins", "modelgraft"})
_OWN_PREFIX = "modelgraft>"
_SAVEDMODEL_LAYER = "modelgraft>SavedModelLayer"  # like TFSMLayer: loads an outside SavedModel
_LAYER_KEYS = frozenset({"layers", "layer", "forward_layer", "backward_layer", "cell", "cells"})


@dataclass(frozen=True)
class Finding:
    """One thing in a model config that would run code when the model is loaded.

    Attributes:
        path: Layer names from the top model down, joined by ``/`` (``outer/lambda_1``).
        message: One sentence naming the file, the layer path and what runs.
        code: ``lambda`` (a Lambda layer), ``bytecode`` (a serialized Python lambda
            elsewhere), ``tfsm`` (a TFSMLayer) or ``custom`` (a class or function from
            outside Keras).
    """

    path: str
    message: str
    code: FindingCode

    def __str__(self) -> str:
        return self.message


def scan_config(config: dict[str, Any], file: str) -> list[Finding]:
    """Walk a serialized Keras model and list what would run code when it is loaded.

    Nested models, Sequential models and layers inside wrappers (``TimeDistributed``,
    ``Bidirectional``, RNN cells) are walked too.

    Args:
        config: The serialized model (``config.json`` or an h5 ``model_config``).
        file: The file name, for messages.

    Returns:
        The findings in config order; empty when the model is safe to load.
    """
    findings: list[Finding] = []
    _walk(config, [], None, file, findings)
    return findings


def check_safe(path: str | os.PathLike[str]) -> None:
    """Refuse a ``.keras`` or ``.h5`` file whose config would run code when loaded.

    SavedModel directories hold TensorFlow graphs, not Python code, and always pass.

    Args:
        path: The model file.

    Raises:
        UnsafeModelError: the first finding of :func:`scan_config`, with the way out.
        ModelFileError: the file is not a readable model.
    """
    p = Path(path)
    fmt = detect_format(p)
    if fmt == "savedmodel":
        return
    findings = scan_config(read_model_config(p, fmt), p.name or str(p))
    if findings:
        raise UnsafeModelError(
            f"{findings[0].message}; load it only if you trust the file (trusted=True)"
        )


def _walk(obj: Any, path: list[str], key: str | None, file: str, out: list[Finding]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _walk(item, path, key, file, out)
        return
    if not isinstance(obj, dict):
        return
    class_name = obj.get("class_name")
    if not isinstance(class_name, str):
        for k, v in obj.items():
            _walk(v, path, str(k), file, out)
        return
    inner = obj.get("config")
    here = path
    if key in _LAYER_KEYS and isinstance(inner, dict) and isinstance(inner.get("name"), str):
        here = [*path, inner["name"]]
    where = "/".join(here) or _model_name(obj)
    if _finding(obj, class_name, inner, where, key, file, out):
        return
    if isinstance(inner, dict):
        for k, v in inner.items():
            _walk(v, here, k, file, out)
    else:  # a Keras 2.0 Sequential stored its layers as a bare list
        _walk(inner, here, "layers" if class_name == "Sequential" else key, file, out)


def _finding(obj: dict[str, Any], class_name: str, inner: Any, where: str, key: str | None,
             file: str, out: list[Finding]) -> bool:
    """Record what ``obj`` itself would run; True if its insides need no further look."""
    model = f"model '{file}'"
    if class_name == "Lambda":
        fn = inner.get("function") if isinstance(inner, dict) else None
        target = _describe(fn) if isinstance(fn, dict) and fn.get("class_name") != "__lambda__" else None
        what = f"that calls {target}" if target else "whose code would run when loaded"
        out.append(Finding(where, f"{model} contains a Lambda layer at '{where}' {what}", "lambda"))
        return True
    if class_name == "__lambda__":
        field = f" (in '{key}')" if key else ""
        out.append(Finding(where, f"{model} holds a Python lambda at '{where}'{field} whose code "
                                  "would run when loaded", "bytecode"))
        return True
    if class_name == "TFSMLayer" or obj.get("registered_name") == _SAVEDMODEL_LAYER:
        target = inner.get("filepath") if isinstance(inner, dict) else None
        saved = f" '{target}'" if isinstance(target, str) else ""
        out.append(Finding(where, f"{model} contains a SavedModel layer at '{where}' that loads the "
                                  f"SavedModel{saved} when the model is loaded", "tfsm"))
        return True
    foreign = _foreign(obj, class_name)
    if foreign:
        field = f" (in '{key}')" if key and key not in _LAYER_KEYS else ""
        out.append(Finding(where, f"{model} uses {foreign} at '{where}'{field}, code from outside "
                                  "Keras that would run when loaded", "custom"))
    return False


def _foreign(obj: dict[str, Any], class_name: str) -> str | None:
    """How to name ``obj`` if it comes from outside Keras (and ModelGraft), else ``None``."""
    registered = obj.get("registered_name")
    module = obj.get("module")
    if isinstance(registered, str) and registered.startswith(_OWN_PREFIX):
        return None
    if isinstance(module, str):
        if module.split(".", 1)[0] not in _SAFE_PACKAGES:
            return _describe(obj)
        return None
    if isinstance(registered, str) and registered:
        return _describe(obj)
    if ">" in class_name and not class_name.startswith(_OWN_PREFIX):  # legacy h5 registered name
        return f"the custom object '{class_name}'"
    return None


def _describe(obj: dict[str, Any]) -> str:
    module, registered = obj.get("module"), obj.get("registered_name")
    if obj.get("class_name") == "function":
        name = registered if isinstance(registered, str) and registered else obj.get("config")
        source = f" from module '{module}'" if isinstance(module, str) else ""
        return f"the function '{name}'{source}"
    if isinstance(registered, str) and registered:
        return f"the custom object '{registered}'"
    return f"'{module}.{obj.get('class_name')}'"


def _model_name(obj: dict[str, Any]) -> str:
    inner = obj.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    return name if isinstance(name, str) and name else "the model"
