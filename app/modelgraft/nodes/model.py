"""The ``model`` node kind: a trained model file (.keras, legacy .h5 or a SavedModel directory).

Its ports come from the model's own signature, which is stored in the hidden ``signature``
parameter: ``{"format", "inputs": [{"name", "shape", "dtype"}], "outputs": [{"name",
"shape", "dtype"} or with shape null while unknown], "params": {"total", "trainable"},
"endpoints": [...], "endpoint", "ports_known"}``; ``ports_known`` is false while the port
names themselves are unknown (a SavedModel before the engine has read it). ``modelgraft.io`` fills it from the file without TensorFlow where it
can; the engine completes it when it loads the model.
"""

from __future__ import annotations

from typing import Any

from ..core.catalog import PortDecl
from ..core.errors import ParamError
from ..core.spec import TensorSpec
from .base import Param, kind

__all__ = ["model_inputs", "model_outputs", "port_spec"]


def port_spec(entry: dict[str, Any]) -> TensorSpec | None:
    """The spec of one signature entry, or ``None`` while its shape is unknown."""
    if entry.get("shape") is None:
        return None
    return TensorSpec(tuple(entry["shape"]), entry.get("dtype") or "float32", bool(entry.get("ragged")))


def model_inputs(params: dict[str, Any]) -> list[PortDecl]:
    """Input ports: one per model input, requiring the model's input spec."""
    return [PortDecl(e["name"], port_spec(e)) for e in (params["signature"] or {}).get("inputs", [])]


def model_outputs(params: dict[str, Any]) -> list[str]:
    """Output ports: one per model output."""
    return [e["name"] for e in (params["signature"] or {}).get("outputs", [])]


def _validate(params: dict[str, Any]) -> None:
    sig = params["signature"]
    if sig is None:
        return
    if not isinstance(sig, dict) or not isinstance(sig.get("inputs"), list) \
            or not isinstance(sig.get("outputs"), list):
        raise ParamError("parameter 'signature' must hold lists 'inputs' and 'outputs'",
                         field="signature")
    for side in ("inputs", "outputs"):
        names = [e.get("name") if isinstance(e, dict) else None for e in sig[side]]
        if any(not isinstance(n, str) or not n for n in names):
            raise ParamError(f"parameter 'signature' has an unnamed entry in '{side}'", field="signature")
        if len(set(names)) != len(names):
            raise ParamError(f"parameter 'signature' repeats a name in '{side}'", field="signature")
        for e in sig[side]:
            try:
                port_spec(e)
            except (TypeError, ValueError, OverflowError) as err:
                raise ParamError(f"parameter 'signature' entry '{e['name']}' is not a valid spec: {err}",
                                 field="signature") from None


@kind("model", "model", "Model", params=[
    Param("path", "str", doc="The model file or SavedModel directory."),
    Param("trainable", "bool", True, doc="Fine-tune this model's weights when training."),
    Param("trusted", "bool", False, doc="Allow loading code from this file (only for files you trust)."),
    Param("endpoint", "str", None, nullable=True,
          doc="SavedModel signature to call (default: serve, else serving_default)."),
    Param("learning_rate_multiplier", "float", 1.0, minimum=0.0,
          doc="Scales the learning rate for this model's weights when fine-tuning."),
    Param("sha256", "str", None, nullable=True, hidden=True, doc="Hash of the file when it was added."),
    Param("signature", "json", None, nullable=True, hidden=True, doc="Ports read from the model."),
], inputs=model_inputs, outputs=model_outputs, validate=_validate, needs_inputs=False, trainable=True)
def model_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """A trained model used as one layer; its outputs do not depend on what is connected."""
    return [port_spec(e) for e in (params["signature"] or {}).get("outputs", [])]
