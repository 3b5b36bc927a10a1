"""Registered Keras layers behind merge nodes that Keras 3 has no layer for.

Importing this module imports TensorFlow, so only the engine imports it, lazily. The
classes are registered under the package name ``modelgraft`` so that a saved ``.keras``
file holding them reloads with ``keras.saving.load_model(path, safe_mode=True)`` once
ModelGraft is importable (``modelgraft.engine.custom_layers`` re-exports them).
"""

from __future__ import annotations

from typing import Any, Sequence

from .runtime import keras as _keras

__all__ = ["Stack"]

keras = _keras()


@keras.saving.register_keras_serializable(package="modelgraft")
class Stack(keras.layers.Layer):
    """Stacks equally shaped tensors along a new axis (``keras.ops.stack`` as a layer).

    Called on a list of tensors. Every input is cast to the layer's compute dtype first
    (float32 by default), so mixed float/integer inputs give the dtype the layer declares,
    as Keras's own merge layers do.

    Args:
        axis: Position of the new axis in the output; 0 is the batch axis, so 1 puts the
            stacked inputs right after it and -1 makes the new axis the last one.
        **kwargs: Standard layer arguments (``name``, ``dtype``, …).
    """

    def __init__(self, axis: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _position(self, rank: int) -> int:
        """The new axis as an index into the output shape (``rank`` = input rank with batch)."""
        pos = self.axis if self.axis >= 0 else self.axis + rank + 1
        if not 0 <= pos <= rank:
            raise ValueError(f"Stack: axis {self.axis} is out of range for inputs of rank {rank}")
        return pos

    def compute_output_shape(self, input_shape: Sequence[Sequence[int | None]]) -> tuple[int | None, ...]:
        """The common input shape with the number of inputs inserted at ``axis``.

        Raises:
            ValueError: The inputs are not a list of equally shaped tensors.
        """
        if not isinstance(input_shape, (list, tuple)) or not input_shape \
                or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"Stack must be called on a list of tensors, got shapes {input_shape}")
        shape = list(input_shape[0])
        for other in input_shape[1:]:
            if len(other) != len(shape):
                raise ValueError(f"Stack needs inputs of the same rank, got shapes {list(input_shape)}")
            for k, d in enumerate(other):
                if d is not None and shape[k] is not None and d != shape[k]:
                    raise ValueError(f"Stack needs inputs of the same shape, got {list(input_shape)}")
                shape[k] = d if shape[k] is None else shape[k]
        shape.insert(self._position(len(shape)), len(input_shape))
        return tuple(shape)

    def build(self, input_shape: Sequence[Sequence[int | None]]) -> None:
        """Check the input shapes (the layer has no weights)."""
        self.compute_output_shape(input_shape)

    def call(self, inputs: Sequence[Any]) -> Any:
        """Cast every input to the compute dtype and stack them."""
        ops = keras.ops
        return ops.stack([ops.cast(x, self.compute_dtype) for x in inputs], axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        """The layer's configuration, including ``axis``."""
        return {**super().get_config(), "axis": self.axis}
