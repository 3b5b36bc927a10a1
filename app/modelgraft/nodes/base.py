"""Declaring node kinds: typed parameters, ports, and one pure shape rule per kind."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ..core.catalog import PortDecl
from ..core.errors import ParamError, UnknownKind
from ..core.spec import DTYPES, TensorSpec

__all__ = [
    "ACTIVATIONS",
    "FAMILIES",
    "KINDS",
    "REQUIRED",
    "Kind",
    "Param",
    "get_kind",
    "kind",
]

ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax", "tanh", "gelu", "elu", "selu", "swish",
               "softplus", "leaky_relu")
FAMILIES = ("io", "model", "adapter", "merge")


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()

Rule = Callable[[dict[str, Any], list[TensorSpec]], list[TensorSpec | None]]


@dataclass(frozen=True)
class Param:
    """One parameter of a node kind.

    Attributes:
        name: The parameter name, as written in the API and project files.
        type: One of ``int``, ``float``, ``bool``, ``str``, ``choice``, ``dtype``,
            ``activation``, ``shape`` (ints or ``None``), ``ints``, ``floats`` (a number
            or a list of numbers), ``strs``, ``json`` (internal data).
        default: The default value, or :data:`REQUIRED`.
        minimum: Smallest allowed value (for ``int``/``float`` and each ``ints`` entry).
        maximum: Largest allowed value.
        choices: Allowed values for ``choice``.
        nullable: Whether ``None`` is allowed.
        doc: One line for the inspector and the docs.
        hidden: Not shown in the inspector (filled by the app, e.g. a model signature).
    """

    name: str
    type: str
    default: Any = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    doc: str = ""
    hidden: bool = False

    def coerce(self, value: Any, where: str) -> Any:
        """Check and normalise a value (lists become tuples, ints become floats, …).

        Args:
            value: The value given by the user or read from a file.
            where: How to name the node in messages, e.g. ``"'r' (reshape)"``.

        Raises:
            ParamError: the value does not fit.
        """
        if value is None:
            if self.nullable:
                return None
            self._fail(where, "must be set")
        t = self.type
        if t == "int":
            return self._bounded(self._int(value, where), where)
        if t == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                self._fail(where, f"must be a finite number, got {value!r}")
            return self._bounded(float(value), where)
        if t == "bool":
            if not isinstance(value, bool):
                self._fail(where, f"must be true or false, got {value!r}")
            return value
        if t == "str":
            if not isinstance(value, str):
                self._fail(where, f"must be text, got {value!r}")
            return value
        if t in ("choice", "dtype", "activation"):
            allowed = self.choices or (DTYPES if t == "dtype" else ACTIVATIONS)
            if value not in allowed:
                self._fail(where, f"must be one of {', '.join(map(str, allowed))}; got {value!r}")
            return value
        if t == "shape":
            items = self._seq(value, where)
            out = tuple(None if v is None else self._int(v, where) for v in items)
            if any(v is not None and v < 1 for v in out):
                self._fail(where, f"must hold positive lengths or null, got {list(value)}")
            return out
        if t == "ints":
            return tuple(self._bounded(self._int(v, where), where) for v in self._seq(value, where))
        if t == "floats":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return Param(self.name, "float").coerce(value, where)
            return tuple(Param(self.name, "float").coerce(v, where) for v in self._seq(value, where))
        if t == "strs":
            items = [value] if isinstance(value, str) else self._seq(value, where)
            if not all(isinstance(v, str) for v in items):
                self._fail(where, f"must be a list of names, got {value!r}")
            return tuple(items)
        if t == "json":
            return value
        raise AssertionError(f"unknown parameter type {t}")

    def _int(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            self._fail(where, f"must be a whole number, got {value!r}")
        return int(value)

    def _seq(self, value: Any, where: str) -> Sequence[Any]:
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            self._fail(where, f"must be a list, got {value!r}")
        return list(value)

    def _bounded(self, value: Any, where: str) -> Any:
        if self.minimum is not None and value < self.minimum:
            self._fail(where, f"must be at least {_num(self.minimum)}, got {_num(value)}")
        if self.maximum is not None and value > self.maximum:
            self._fail(where, f"must be at most {_num(self.maximum)}, got {_num(value)}")
        return value

    def _fail(self, where: str, what: str) -> None:
        raise ParamError(f"{where}: parameter '{self.name}' {what}", field=self.name)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


@dataclass(frozen=True)
class Kind:
    """A node kind: its parameters, ports and pure shape rule.

    Attributes:
        name: The kind name used in the API and project files, e.g. ``"reshape"``.
        family: ``io``, ``model``, ``adapter`` or ``merge``.
        title: Human name for menus and the palette.
        doc: One paragraph for the inspector and the docs.
        params: The parameters, in display order.
        rule: ``rule(params, input_specs) -> output_specs``; called only when every input
            spec is known (unless ``needs_inputs`` is false); raises ``ShapeError``.
        inputs: Input port declarations as a function of the parameters.
        outputs: Output port names as a function of the parameters.
        validate: Cross-parameter check raising ``ParamError``, run after each parameter
            has been coerced.
        needs_inputs: Whether ``rule`` needs all input specs known.
        trainable: Whether a node of this kind carries trainable weights.
    """

    name: str
    family: str
    title: str
    doc: str
    params: tuple[Param, ...]
    rule: Rule
    inputs: Callable[[dict[str, Any]], list[PortDecl]]
    outputs: Callable[[dict[str, Any]], list[str]]
    validate: Callable[[dict[str, Any]], None] | None = None
    needs_inputs: bool = True
    trainable: bool = False
    param_map: dict[str, Param] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "param_map", {p.name: p for p in self.params})

    def normalize(self, params: dict[str, Any], node: str | None = None) -> dict[str, Any]:
        """Validate and complete ``params``; see :meth:`Param.coerce`."""
        where = f"'{node}' ({self.name})" if node else self.name
        unknown = sorted(set(params) - set(self.param_map))
        if unknown:
            known = ", ".join(self.param_map) or "none"
            raise ParamError(
                f"{where}: unknown parameter '{unknown[0]}' (parameters of {self.name}: {known})",
                node, unknown[0])
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in params:
                value = params[p.name]
            elif p.default is REQUIRED:
                raise ParamError(f"{where}: parameter '{p.name}' is required", node, p.name)
            else:
                value = p.default
            try:
                out[p.name] = p.coerce(value, where)
            except ParamError as err:
                err.node = node
                raise
        if self.validate is not None:
            try:
                self.validate(out)
            except ParamError as err:
                raise ParamError(f"{where}: {err}", node, err.field) from None
        return out


KINDS: dict[str, Kind] = {}


def _fixed_inputs(names: tuple[str, ...]) -> Callable[[dict[str, Any]], list[PortDecl]]:
    decls = [PortDecl(n) for n in names]
    return lambda params: list(decls)


def kind(name: str, family: str, title: str, params: Sequence[Param] = (),
         inputs: tuple[str, ...] | Callable[[dict[str, Any]], list[PortDecl]] = ("input",),
         outputs: tuple[str, ...] | Callable[[dict[str, Any]], list[str]] = ("output",),
         validate: Callable[[dict[str, Any]], None] | None = None,
         needs_inputs: bool = True, trainable: bool = False) -> Callable[[Rule], Rule]:
    """Register the decorated shape rule as a node kind; its docstring is the kind's doc."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family}")

    def register(rule: Rule) -> Rule:
        ins = _fixed_inputs(inputs) if isinstance(inputs, tuple) else inputs
        outs = (lambda params, o=list(outputs): list(o)) if isinstance(outputs, tuple) else outputs
        doc = " ".join((rule.__doc__ or "").split("\n\n")[0].split())
        KINDS[name] = Kind(name, family, title, doc, tuple(params), rule, ins, outs, validate,
                           needs_inputs, trainable)
        return rule

    return register


def get_kind(name: str) -> Kind:
    """The registered kind with this name."""
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(sorted(KINDS))
        raise UnknownKind(f"unknown node kind '{name}' (known kinds: {known})") from None
