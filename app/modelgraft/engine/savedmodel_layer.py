"""A Keras layer that calls one signature of a SavedModel and can be fine-tuned with any optimizer.

Stock :class:`keras.layers.TFSMLayer` keeps TensorFlow's variable names (``dense/kernel:0``
becomes ``dense_kernel:0``); stateful optimizers build slot variables named after them, and
Adam then fails with "'…:0_momentum' is not a valid scope name". It also passes a single
``inputs`` argument, so signatures with several named inputs need care. This layer:

* calls the signature's concrete function with its inputs as keyword arguments (several
  named inputs are fine) and returns its outputs as a list in :attr:`output_names` order;
* wraps the SavedModel's own ``tf.Variable`` objects (not copies) in Keras variables whose
  names are valid scope names (``dense_kernel``) and whose paths sit under the layer name,
  so what the optimizer updates is exactly what the restored function reads;
* declares its output specs from the signature, so it never traces the graph to build;
* honours ``trainable`` like any Keras layer;
* declares :attr:`~SavedModelLayer.supports_jit` by asking XLA to compile the signature once
  (on first use): functions written by ``model.export`` compile, but a SavedModel may hold
  ops XLA has no kernel for (hash-table lookups, string ops, ``PyFunc``).

This module imports Keras at module level; the engine imports it lazily, on the engine thread.
Its config holds an absolute path, so a ``.keras`` file containing it is not portable and
reloads only with ``safe_mode=False`` (like ``TFSMLayer``); composites with SavedModel parts
should be exported with ``model.export()``.
"""

from __future__ import annotations

import re
from typing import Any

import keras
import tensorflow as tf
from keras.src.saving import serialization_lib

__all__ = ["SavedModelLayer", "natural_key", "signature_io"]

_BAD_CHARS = re.compile(r"[^A-Za-z0-9_.\-]")


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that puts ``output_2`` before ``output_10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def signature_io(fn: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The named input and output ``tf.TensorSpec`` of a signature function, naturally ordered.

    Args:
        fn: A concrete function from ``tf.saved_model.load(path).signatures``.

    Returns:
        ``(inputs, outputs)``, each an ordered dict from name to ``tf.TensorSpec``.
    """
    _, kwargs = fn.structured_input_signature
    outputs = fn.structured_outputs
    if not isinstance(outputs, dict):  # signatures always return dicts; be lenient anyway
        flat = tf.nest.flatten(outputs)
        outputs = {f"output_{i}": spec for i, spec in enumerate(flat)}
    return ({k: kwargs[k] for k in sorted(kwargs, key=natural_key)},
            {k: outputs[k] for k in sorted(outputs, key=natural_key)})


def _clean_names(names: list[str]) -> list[str]:
    """Valid, unique Keras variable names for TensorFlow variable names."""
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        base = _BAD_CHARS.sub("_", re.sub(r":\d+$", "", raw)).strip("_") or "variable"
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.append(base if count == 0 else f"{base}_{count}")
    return out


def _xla_compiles(fn: Any, specs: dict[str, Any]) -> bool:
    """Whether XLA compiles ``fn`` (a signature) for zero inputs shaped like ``specs``."""
    zeros = {name: tf.zeros([1 if d is None else d for d in spec.shape.as_list()], spec.dtype)
             for name, spec in specs.items()}
    try:
        tf.function(lambda **kwargs: fn(**kwargs), jit_compile=True).experimental_get_compiler_ir(
            **zeros)(stage="hlo")
    except Exception:  # noqa: BLE001 - XLA reports unsupported ops in several error types
        return False
    return True


@keras.saving.register_keras_serializable(package="modelgraft")
class SavedModelLayer(keras.layers.Layer):
    """One signature (endpoint) of a SavedModel as a trainable Keras layer.

    Args:
        filepath: The SavedModel directory.
        endpoint: The signature key to call (``serve`` for ``model.export()``,
            ``serving_default`` for ``tf.saved_model.save``).
        trainable: Whether the SavedModel's trainable variables are fine-tuned.
        name: The layer name.
        dtype: The layer dtype policy (inputs are cast to the signature's dtypes anyway).
        loaded: An object already returned by ``tf.saved_model.load(filepath)``, to avoid
            reading the directory twice. It must not be shared with another layer, or the
            two layers share their weights. Not part of the config.

    Attributes:
        input_names: The signature's input names, in call order.
        output_names: The signature's output names, in the order :meth:`call` returns them.
    """

    def __init__(self, filepath: str, endpoint: str = "serve", trainable: bool = True,
                 name: str | None = None, dtype: Any = None, *, loaded: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self.filepath = str(filepath)
        self.endpoint = endpoint
        obj = loaded if loaded is not None else tf.saved_model.load(self.filepath)
        if endpoint not in obj.signatures:
            raise ValueError(f"SavedModel '{self.filepath}' has no signature '{endpoint}'; "
                             f"available: {', '.join(obj.signatures) or 'none'}")
        self._saved_object = obj  # tracked, so model.export() saves the restored functions
        self._fn = obj.signatures[endpoint]
        self._input_specs, self._output_specs = signature_io(self._fn)
        self.input_names = list(self._input_specs)
        self.output_names = list(self._output_specs)
        trainable_ids = {id(v) for v in self._fn.trainable_variables}
        tf_vars = list(self._fn.trainable_variables) + [
            v for v in self._fn.variables if id(v) not in trainable_ids]
        with keras.name_scope(self.name):
            self._saved_variables = [
                keras.Variable(v, trainable=id(v) in trainable_ids, dtype=v.dtype.name,
                               shape=tuple(v.shape), name=clean)
                for v, clean in zip(tf_vars, _clean_names([v.name for v in tf_vars]))
            ]
        if not self.trainable:  # as Layer._track_variable does: frozen layers own frozen variables
            for variable in self._saved_variables:
                variable.trainable = False
        self._supports_jit: bool | None = None  # probed on first use
        self.built = True

    @property
    def supports_jit(self) -> bool:
        """Whether XLA can compile the signature's function (found out once, on first use).

        The function is compiled to XLA's HLO for inputs of zeros (unknown dimensions 1) on
        the current device; any failure — typically an op XLA has no kernel for — means no.
        """
        if self._supports_jit is None:
            self._supports_jit = _xla_compiles(self._fn, self._input_specs)
        return self._supports_jit

    @supports_jit.setter
    def supports_jit(self, value: bool) -> None:
        self._supports_jit = value  # keras.layers.Layer.__init__ assigns True; __init__ resets it

    def _as_dict(self, inputs: Any) -> dict[str, Any]:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ValueError(f"layer '{self.name}' is missing inputs {missing}")
            return {n: inputs[n] for n in self.input_names}
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if len(inputs) != len(self.input_names):
            raise ValueError(f"layer '{self.name}' expects {len(self.input_names)} inputs "
                             f"({', '.join(self.input_names)}), got {len(inputs)}")
        return dict(zip(self.input_names, inputs))

    def call(self, inputs: Any) -> Any:
        """Call the signature.

        Args:
            inputs: One tensor (single-input signatures), a list in :attr:`input_names`
                order, or a dict keyed by input name.

        Returns:
            One tensor for single-output signatures, else a list in :attr:`output_names` order.
        """
        kwargs = {name: tf.cast(x, self._input_specs[name].dtype)
                  for name, x in self._as_dict(inputs).items()}
        result = self._fn(**kwargs)
        outputs = [result[n] for n in self.output_names]
        return outputs[0] if len(outputs) == 1 else outputs

    def compute_output_spec(self, inputs: Any) -> Any:
        """Output specs read from the signature (the graph is never traced to build)."""
        flat = tf.nest.flatten(inputs)
        batch = flat[0].shape[0] if flat else None
        specs = []
        for spec in self._output_specs.values():
            shape = list(spec.shape.as_list())
            if shape and shape[0] is None:
                shape[0] = batch
            specs.append(keras.KerasTensor(tuple(shape), dtype=spec.dtype.name))
        return specs[0] if len(specs) == 1 else specs

    def get_config(self) -> dict[str, Any]:
        """The layer config; it holds an absolute path and is not portable."""
        return {**super().get_config(), "filepath": self.filepath, "endpoint": self.endpoint}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SavedModelLayer:
        """Rebuild the layer, refusing in Keras safe mode (a SavedModel holds graph code)."""
        if serialization_lib.in_safe_mode() is not False:
            raise ValueError(
                "Requested the deserialization of a `SavedModelLayer`, which loads the external "
                f"SavedModel '{config.get('filepath')}'; this is disallowed in safe mode. Pass "
                "`safe_mode=False` to the loading function if you trust the source.")
        return cls(**config)
