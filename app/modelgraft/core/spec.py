"""Tensor specifications: a shape without the batch axis and a dtype name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

__all__ = ["DTYPES", "FLOAT_DTYPES", "INT_DTYPES", "TensorSpec", "format_shape"]

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool", "string")


def format_shape(shape: Iterable[int | None], batch: bool = True) -> str:
    """Format a shape like Keras does, with a leading ``None`` for the batch axis.

    Args:
        shape: The shape without the batch axis.
        batch: Whether to show the batch axis.

    Returns:
        A string such as ``"(None, 20, 128)"``.
    """
    dims = (["None"] if batch else []) + ["None" if d is None else str(d) for d in shape]
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(dims) + ")"


@dataclass(frozen=True)
class TensorSpec:
    """The shape (batch axis excluded) and dtype of one tensor flowing through a port.

    Attributes:
        shape: One entry per axis after the batch axis; ``None`` means "any length".
        dtype: A dtype name from :data:`DTYPES`.
        ragged: True when the ``None`` axes really vary from sample to sample (a
            variable-length sequence), as opposed to being merely unknown.
    """

    shape: tuple[int | None, ...]
    dtype: str = "float32"
    ragged: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(None if d is None else int(d) for d in self.shape))
        if self.dtype not in DTYPES:
            raise ValueError(f"unknown dtype {self.dtype!r}; expected one of {', '.join(DTYPES)}")
        for d in self.shape:
            if d is not None and d < 0:
                raise ValueError(f"shape {self.shape} has a negative axis")

    @property
    def rank(self) -> int:
        """The number of axes, batch excluded."""
        return len(self.shape)

    @property
    def size(self) -> int | None:
        """The number of elements per sample, or ``None`` if an axis is unknown."""
        n = 1
        for d in self.shape:
            if d is None:
                return None
            n *= d
        return n

    @property
    def is_float(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self.dtype in FLOAT_DTYPES

    @property
    def is_int(self) -> bool:
        """Whether the dtype is an integer type."""
        return self.dtype in INT_DTYPES

    def with_shape(self, shape: Iterable[int | None]) -> TensorSpec:
        """Return a copy with another shape (same dtype)."""
        shape = tuple(shape)
        return TensorSpec(shape, self.dtype, self.ragged and None in shape)

    def with_dtype(self, dtype: str) -> TensorSpec:
        """Return a copy with another dtype (same shape)."""
        return TensorSpec(self.shape, dtype, self.ragged)

    def __str__(self) -> str:
        return f"{format_shape(self.shape)} {self.dtype}"

    def to_json(self) -> dict[str, Any]:
        """Serialise to a JSON-compatible dict."""
        data: dict[str, Any] = {"shape": list(self.shape), "dtype": self.dtype}
        if self.ragged:
            data["ragged"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TensorSpec:
        """Inverse of :meth:`to_json`."""
        return cls(tuple(data["shape"]), data.get("dtype", "float32"), bool(data.get("ragged", False)))
