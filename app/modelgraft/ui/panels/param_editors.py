"""One editor widget per parameter type, for the inspector.

An editor only turns what the user typed into a *candidate* value; whether that value is
allowed is decided by the node kind itself (``catalog.normalize_params``), so the inspector
shows exactly the message the API and the CLI would give. Text that does not even parse
(``"12, abc"``) is passed on as it is, so the kind's own message names it.

Signals of :class:`ParamEditor` (GUI thread):

- ``edited()``: the user changed the content (validate now, do not commit yet).
- ``committed()``: the user finished an edit (Enter, focus out, a spin-box step, a combo
  choice, a check-box toggle): commit it if it is valid.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from ...core.spec import DTYPES
from ...nodes.base import ACTIVATIONS, Param

__all__ = ["ParamEditor", "format_value", "make_editor", "parse_list"]

_INT_LIMIT = 2**31 - 1
_FLOAT_LIMIT = 1e15
_NONE_WORDS = ("none", "null", "?")
_INVALID_STYLE = "border: 1px solid {color}; border-radius: 3px;"


def _fmt_float(value: float) -> str:
    return format(float(value), ".10g")


def _token(text: str) -> Any:
    """One list entry as typed: ``None``, an int, a float, or the text itself."""
    if text.lower() in _NONE_WORDS:
        return None
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return text


def parse_list(text: str) -> list[Any]:
    """Entries of a typed list: ``"1, 128"``, ``"(None, 128)"``, ``"[2 5]"``, ``"(128,)"``.

    Entries are numbers or ``None`` where they look like one, else the text as typed (the
    node kind's validation then names it).
    """
    body = text.strip()
    if len(body) >= 2 and (body[0], body[-1]) in (("(", ")"), ("[", "]")):
        body = body[1:-1]
    return [_token(t) for t in re.split(r"[,\s]+", body) if t]


def format_value(param: Param, value: Any) -> str:
    """How a parameter value is written in its editor (the inverse of the editor's parsing)."""
    if value is None:
        return ""
    t = param.type
    if t in ("shape", "ints", "strs"):
        return ", ".join("None" if v is None else str(v) for v in value)
    if t == "floats":
        if isinstance(value, (int, float)):
            return _fmt_float(value)
        return ", ".join(_fmt_float(v) for v in value)
    if t == "float":
        return _fmt_float(value)
    if t == "json":
        return json.dumps(value)
    return str(value)


def _parser(param: Param) -> Callable[[str], Any]:
    """Text → candidate value for the line-edit based types."""
    t = param.type

    def parse(text: str) -> Any:
        stripped = text.strip()
        if not stripped and param.nullable:
            return None
        if t in ("shape", "ints"):
            return parse_list(stripped)
        if t == "floats":
            items = parse_list(stripped)
            return items[0] if len(items) == 1 and not stripped.startswith(("(", "[")) else items
        if t == "strs":
            return [s for s in re.split(r"[,\s]+", stripped.strip("()[]")) if s]
        if t == "json":
            try:
                return json.loads(stripped)
            except ValueError:
                return stripped
        if t in ("int", "float"):
            return _token(stripped) if stripped else stripped
        return text

    return parse


_PLACEHOLDERS = {
    "shape": "e.g. 32, 32, 3 or None, 128",
    "ints": "e.g. 4, 32",
    "floats": "a number or a list, e.g. 0.5, 0.25",
    "strs": "e.g. accuracy, auc",
    "json": "JSON, e.g. -1 or [1, 2]",
}


class ParamEditor(QWidget):
    """Edits one parameter; see the module docstring for its signals."""

    edited = Signal()
    committed = Signal()

    def __init__(self, param: Param, control: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.param = param
        self.control = control
        self.control.setObjectName(f"param_{param.name}")
        self.control.setToolTip(param.doc)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(control)
        self.setFocusProxy(control)

    def value(self) -> Any:
        """The candidate value as the user entered it (not validated)."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show a value (from the document) without emitting ``edited``/``committed``."""
        self.control.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.control.blockSignals(False)

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def set_invalid(self, invalid: bool, color: str = "#d93b3b") -> None:
        """Frame the control in red while its content is not a valid value."""
        self.control.setStyleSheet(_INVALID_STYLE.format(color=color) if invalid else "")
        self.control.setProperty("invalid", invalid)


class _LineEditor(ParamEditor):
    """Text, lists, shapes, nullable numbers and JSON, parsed as the user types."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        self.edit = QLineEdit()
        super().__init__(param, self.edit, parent)
        self._parse = _parser(param)
        self.edit.setPlaceholderText("none" if param.nullable else _PLACEHOLDERS.get(param.type, ""))
        self.edit.textEdited.connect(lambda _t: self.edited.emit())
        self.edit.editingFinished.connect(self.committed.emit)

    def value(self) -> Any:
        return self._parse(self.edit.text())

    def _show(self, value: Any) -> None:
        text = format_value(self.param, value)
        if self.edit.text() != text:
            self.edit.setText(text)
            self.edit.setCursorPosition(0)


class _SpinMixin:
    """Spin boxes that accept any number while typing (the kind's validation explains why a
    value is out of range), step with one commit per step, and ignore the wheel unless
    focused (so scrolling the inspector never changes a value)."""

    stepped: Callable[[], None]

    def validate(self, text: str, pos: int) -> QValidator.State:
        t = text.strip()
        if t in ("", "-", "+", ".", "-.", "+.") or t.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate
        try:
            float(t)
        except ValueError:
            return QValidator.State.Invalid
        return QValidator.State.Acceptable if self._in_range(t) else QValidator.State.Intermediate

    def _in_range(self, text: str) -> bool:
        value = float(text)
        return self.minimum() <= value <= self.maximum()  # type: ignore[attr-defined]

    def stepBy(self, steps: int) -> None:
        super().stepBy(steps)  # type: ignore[misc]
        self.stepped()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():  # type: ignore[attr-defined]
            super().wheelEvent(event)  # type: ignore[misc]
        else:
            event.ignore()


class _IntSpin(_SpinMixin, QSpinBox):
    def validate(self, text: str, pos: int) -> QValidator.State:
        state = super().validate(text, pos)
        if state == QValidator.State.Acceptable and not re.fullmatch(r"[+-]?\d+", text.strip()):
            return QValidator.State.Intermediate
        return state

    def valueFromText(self, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            return self.value()


class _FloatSpin(_SpinMixin, QDoubleSpinBox):
    def textFromValue(self, value: float) -> str:
        return _fmt_float(value)

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()


class _SpinEditor(ParamEditor):
    """``int`` and ``float`` parameters, bounded by the parameter's minimum and maximum."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        is_int = param.type == "int"
        spin: QSpinBox | QDoubleSpinBox = _IntSpin() if is_int else _FloatSpin()
        limit = _INT_LIMIT if is_int else _FLOAT_LIMIT
        if not is_int:
            spin.setDecimals(12)  # type: ignore[union-attr]
            spin.setSingleStep(0.1)
        spin.setRange(param.minimum if param.minimum is not None else -limit,  # type: ignore[arg-type]
                      param.maximum if param.maximum is not None else limit)
        spin.setKeyboardTracking(True)
        spin.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        spin.setMinimumWidth(90)
        self.spin = spin
        spin.stepped = self._stepped  # type: ignore[union-attr]
        super().__init__(param, spin, parent)
        spin.lineEdit().textEdited.connect(lambda _t: self.edited.emit())
        spin.editingFinished.connect(self.committed.emit)

    def _stepped(self) -> None:
        self.edited.emit()
        self.committed.emit()

    def value(self) -> Any:
        text = self.spin.lineEdit().text().strip()
        token = _token(text) if text else text
        if self.param.type == "float" and isinstance(token, int):
            return float(token)
        return token

    def _show(self, value: Any) -> None:
        self.spin.setValue(value)


class _CheckEditor(ParamEditor):
    """``bool`` parameters: a check box."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        self.check = QCheckBox()
        self.check.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        super().__init__(param, self.check, parent)
        self.check.toggled.connect(lambda _on: (self.edited.emit(), self.committed.emit()))

    def value(self) -> Any:
        return self.check.isChecked()

    def _show(self, value: Any) -> None:
        self.check.setChecked(bool(value))


class _ComboEditor(ParamEditor):
    """``choice``, ``dtype`` and ``activation`` parameters."""

    def __init__(self, param: Param, parent: QWidget | None = None) -> None:
        self.combo = QComboBox()
        super().__init__(param, self.combo, parent)
        allowed = param.choices or (DTYPES if param.type == "dtype" else ACTIVATIONS)
        for choice in allowed:
            self.combo.addItem(str(choice), choice)
        self.combo.setMaxVisibleItems(16)
        # long choices (sparse_categorical_crossentropy) must not widen the inspector
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.activated.connect(lambda _i: (self.edited.emit(), self.committed.emit()))

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0:  # a value from a newer file: show it rather than hide it
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(index)


def make_editor(param: Param, parent: QWidget | None = None) -> ParamEditor:
    """The editor fitting a parameter's type."""
    if param.type in ("int", "float") and not param.nullable:
        return _SpinEditor(param, parent)
    if param.type == "bool":
        return _CheckEditor(param, parent)
    if param.type in ("choice", "dtype", "activation"):
        return _ComboEditor(param, parent)
    return _LineEditor(param, parent)
