"""The ``input`` and ``output`` node kinds: where data enters the graph and where losses apply."""

from __future__ import annotations

from typing import Any

from ..core.errors import ShapeError
from ..core.spec import TensorSpec
from .base import Param, kind

__all__ = ["LOSSES"]

LOSSES = (
    "mse", "mae", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "huber", "kl_divergence", "cosine_similarity",
)


@kind("input", "io", "Input", params=[
    Param("shape", "shape", doc="Shape of one sample, batch axis excluded; null for any length."),
    Param("dtype", "dtype", "float32", doc="Data type of the samples."),
    Param("ragged", "bool", False, doc="Unknown-length axes really vary per sample (sequences)."),
], inputs=(), outputs=("output",), needs_inputs=False)
def input_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """Feeds one named array of the data into the graph; the name is the input's name."""
    return [TensorSpec(params["shape"], params["dtype"], params["ragged"] and None in params["shape"])]


@kind("output", "io", "Output", params=[
    Param("loss", "choice", "mse", choices=LOSSES, doc="Loss applied to this output when training."),
    Param("metrics", "strs", (), doc="Metrics reported for this output, e.g. accuracy."),
    Param("loss_weight", "float", 1.0, minimum=0.0, doc="Weight of this output's loss in the total."),
], inputs=("input",), outputs=())
def output_rule(params: dict[str, Any], inputs: list[TensorSpec]) -> list[TensorSpec | None]:
    """A head of the composite model; its name is the Keras output name."""
    spec = inputs[0]
    if params["loss"] == "sparse_categorical_crossentropy" and spec.rank == 0:
        raise ShapeError("sparse_categorical_crossentropy needs class scores (at least one axis), "
                         "got a scalar per sample")
    return []
