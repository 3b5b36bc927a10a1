"""The pre-load scan: what in a stored Keras config would run code when the model is loaded.

Keras's ``safe_mode`` refuses Python lambdas and ``TFSMLayer`` only. The scan walks the
whole config (nested models, wrappers, RNN cells, ``compile_config``) before TensorFlow
is involved and reports every object that is not plain Keras modeling: Lambda layers,
Python bytecode, SavedModel layers, classes and functions from other packages, Keras
classes outside the allow-list (:mod:`modelgraft.io.keras_allowlist`), non-modeling Keras
APIs (``keras.utils.get_file``, ``keras.config.enable_unsafe_deserialization``) and lookup
layers that read their vocabulary from a file. ModelGraft's own registered layers
(``modelgraft>Cast`` …) are listed there and pass. The user can then decide whether to
trust the file.
"""

from __future__ import annotations

from typing import Any, Literal

from ..core.errors import ModelFileError
from . import keras_allowlist as allow
from .findings import Finding

__all__ = ["Finding", "FindingCode", "scan_config"]

FindingCode = Literal["lambda", "bytecode", "tfsm", "custom", "class", "module", "vocabulary"]
"""``lambda`` a Lambda layer; ``bytecode`` a serialized Python lambda elsewhere; ``tfsm`` a
layer loading an outside SavedModel; ``custom`` a class or function from outside Keras;
``class`` a Keras class or function outside the allow-list; ``module`` a non-modeling Keras
API; ``vocabulary`` a lookup layer reading a file outside the model."""

_LAYER_KEYS = frozenset({"layers", "layer", "forward_layer", "backward_layer", "cell", "cells"})
_DATA = frozenset({"__keras_tensor__", "__tensor__", "__numpy__", "__bytes__", "__ellipsis__",
                   "TensorShape"})  # values Keras rebuilds from plain data
_CONTAINERS = frozenset({"__slice__", "__tuple__"})  # their parts are deserialized in turn
_PATH_FIELDS = ("vocabulary", "idf_weights")
_OWN_KEYS = frozenset({"class_name", "config", "module", "registered_name"})


def scan_config(config: dict[str, Any], file: str) -> list[Finding]:
    """Walk a serialized Keras model and list what would run code when it is loaded.

    Nested models, Sequential models and layers inside wrappers (``TimeDistributed``,
    ``Bidirectional``, RNN cells) are walked too, and so is the ``compile_config``, where
    losses, metrics and optimizers are allowed.

    Args:
        config: The serialized model (``config.json`` or an h5 ``model_config``).
        file: The file name, for messages.

    Returns:
        The findings in config order; empty when the model is safe to load.

    Raises:
        ModelFileError: the config is nested too deeply to walk.
    """
    findings: list[Finding] = []
    try:
        _walk(config, [], None, False, _Context(file, _model_name(config), findings))
    except RecursionError:
        raise ModelFileError(f"the model config in '{file}' is nested too deeply to check") from None
    return findings


class _Context:
    """What the walk needs everywhere: the file, the top model's name and the findings so far."""

    def __init__(self, file: str, root: str, out: list[Finding]) -> None:
        self.model = f"model '{file}'"
        self.root = root
        self.out = out

    def add(self, where: str, code: str, message: str) -> None:
        self.out.append(Finding(where, f"{self.model} {message}", code))


def _walk(obj: Any, path: list[str], key: str | None, compiled: bool, ctx: _Context) -> None:
    if isinstance(obj, list):
        for item in obj:
            _walk(item, path, key, compiled, ctx)
        return
    if not isinstance(obj, dict):
        return
    class_name = obj.get("class_name")
    if not isinstance(class_name, str):
        for k, v in obj.items():
            _walk(v, path, str(k), compiled or k == "compile_config", ctx)
        return
    if class_name in _DATA:
        return
    if class_name in _CONTAINERS:
        for k, v in obj.items():
            if k != "class_name":
                _walk(v, path, key, compiled, ctx)
        return
    inner = obj.get("config")
    here = path
    if key in _LAYER_KEYS and isinstance(inner, dict) and isinstance(inner.get("name"), str):
        here = [*path, inner["name"]]
    where = "/".join(here) or ctx.root
    field = f" (in '{key}')" if key and key not in _LAYER_KEYS else ""
    if _refused(obj, class_name, inner, where, field, compiled, ctx):
        return
    if isinstance(inner, dict):
        _check_paths(class_name, inner, where, ctx)
        for k, v in inner.items():
            _walk(v, here, k, compiled, ctx)
    else:  # a Keras 2.0 Sequential stored its layers as a bare list
        _walk(inner, here, "layers" if class_name == "Sequential" else key, compiled, ctx)
    for k, v in obj.items():  # compile_config, build_config, inbound_nodes …
        if k not in _OWN_KEYS:
            _walk(v, here, k, compiled or k == "compile_config", ctx)


def _refused(obj: dict[str, Any], class_name: str, inner: Any, where: str, field: str,
             compiled: bool, ctx: _Context) -> bool:
    """Record what ``obj`` itself would run; True if its insides need no further look."""
    registered = obj.get("registered_name")
    if class_name == "Lambda" or registered == "Lambda":
        fn = inner.get("function") if isinstance(inner, dict) else None
        target = _describe(fn) if isinstance(fn, dict) and fn.get("class_name") != "__lambda__" else None
        what = f"that calls {target}" if target else "whose code would run when loaded"
        ctx.add(where, "lambda", f"contains a Lambda layer at '{where}' {what}")
        return True
    if class_name == "__lambda__":
        ctx.add(where, "bytecode", f"holds a Python lambda at '{where}'{field} whose code would "
                                   "run when loaded")
        return True
    if class_name == "TFSMLayer" or registered == allow.OWN_SAVEDMODEL_LAYER:
        target = inner.get("filepath") if isinstance(inner, dict) else None
        saved = f" '{target}'" if isinstance(target, str) else ""
        ctx.add(where, "tfsm", f"contains a SavedModel layer at '{where}' that loads the "
                               f"SavedModel{saved} when the model is loaded")
        return True
    if class_name == "function":
        _check_function(obj, inner, where, field, compiled, ctx)
    else:
        _check_class(obj, class_name, where, field, compiled, ctx)
    return False


def _check_class(obj: dict[str, Any], class_name: str, where: str, field: str, compiled: bool,
                 ctx: _Context) -> None:
    module = obj.get("module")
    registered = obj.get("registered_name")
    if not (isinstance(registered, str) and registered and registered != class_name):
        registered = class_name if ">" in class_name else None  # a legacy h5 registered name
    if registered is not None:  # Keras looks registered names up before anything else
        if registered not in allow.OWN:
            ctx.add(where, "custom", f"uses {_describe(obj)} at '{where}'{field}, code from "
                                     "outside Keras that would run when loaded")
        return
    if module is None:
        names = allow.LEGACY_COMPILE_CLASSES if compiled else allow.LEGACY_CLASSES
        if class_name not in names:
            ctx.add(where, "class", f"uses '{class_name}' at '{where}'{field}, {_NOT_LISTED}")
        return
    if not isinstance(module, str) or module.split(".", 1)[0] != "keras":
        ctx.add(where, "custom", f"uses {_describe(obj)} at '{where}'{field}, code from outside "
                                 "Keras that would run when loaded")
        return
    names = allow.CLASS_MODULES.get(module)
    if compiled and names is None:
        names = allow.COMPILE_CLASS_MODULES.get(module)
    api = f"{module}.{class_name}"
    if names is None and module not in allow.COMPILE_CLASS_MODULES:
        ctx.add(where, "module", f"refers to '{api}' at '{where}'{field}, a Keras API that is not "
                                 "part of a model and would run when loaded")
    elif module == "keras.layers" and class_name in allow.REFUSED_LAYERS:
        ctx.add(where, "class", f"contains a {class_name} layer at '{where}', "
                                f"{allow.REFUSED_LAYERS[class_name]} when loaded")
    elif names is None or class_name not in names:
        ctx.add(where, "class", f"uses '{api}' at '{where}'{field}, {_NOT_LISTED}")


_NOT_LISTED = "a Keras class outside ModelGraft's allow-list whose code would run when loaded"


def _check_function(obj: dict[str, Any], name: Any, where: str, field: str, compiled: bool,
                    ctx: _Context) -> None:
    module = obj.get("module")
    if not isinstance(name, str):
        return  # Keras refuses a function without a name
    registered = obj.get("registered_name")
    custom = ">" in name or (isinstance(registered, str) and registered not in ("", "function", name))
    if custom or not isinstance(module, str) or module.split(".", 1)[0] not in ("keras", "builtins"):
        ctx.add(where, "custom", f"uses {_describe(obj)} at '{where}'{field}, code from outside "
                                 "Keras that would run when loaded")
        return
    known = (allow.COMPILE_FUNCTION_MODULES if compiled else allow.FUNCTION_MODULES).get(module)
    api = name if module == "builtins" else f"{module}.{name}"
    if known is None and module not in allow.COMPILE_FUNCTION_MODULES:
        ctx.add(where, "module", f"refers to the function '{api}' at '{where}'{field}, a Keras API "
                                 "that is not part of a model and would run when loaded")
    elif known is None or name not in known:
        ctx.add(where, "class", f"uses the function '{api}' at '{where}'{field}, a Keras function "
                                "outside ModelGraft's allow-list that would run when loaded")


def _check_paths(class_name: str, inner: dict[str, Any], where: str, ctx: _Context) -> None:
    """Lookup layers given a file path read it when the model is loaded."""
    for name in _PATH_FIELDS:
        value = inner.get(name)
        if isinstance(value, str):
            ctx.add(where, "vocabulary", f"has a {class_name} layer at '{where}' that reads its "
                                         f"{name} from the file '{value}' outside the model when loaded")


def _describe(obj: dict[str, Any]) -> str:
    module, registered = obj.get("module"), obj.get("registered_name")
    if obj.get("class_name") == "function":
        usable = isinstance(registered, str) and registered and registered != "function"
        name = registered if usable else obj.get("config")
        source = f" from module '{module}'" if isinstance(module, str) else ""
        return f"the function '{name}'{source}"
    if isinstance(registered, str) and registered and registered != obj.get("class_name"):
        return f"the custom object '{registered}'"
    if ">" in str(obj.get("class_name")):
        return f"the custom object '{obj.get('class_name')}'"
    return f"'{module}.{obj.get('class_name')}'"


def _model_name(obj: dict[str, Any]) -> str:
    inner = obj.get("config")
    name = inner.get("name") if isinstance(inner, dict) else None
    return name if isinstance(name, str) and name else "the model"
