"""One editable field of the inspector: its editor, the message shown in place, one undo step.

Node parameters and project settings edit the same way: every keystroke is checked by the
code the API uses (its sentence appears under the field), Enter, focus out, a step, a toggle
or a choice commits a valid value that changes something, and Esc drops an unfinished edit.
What "checked" and "commit" mean is passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...core.errors import ModelGraftError
from ...nodes.base import Param
from ..theme import system_is_dark, verdict_color
from .common import dim_label, error_label
from .param_editors import ParamEditor, make_editor

__all__ = ["EditRow"]


class EditRow(QObject):
    """One field: editor, message in place, and the commit of a checked value.

    Args:
        param: The editor's type, range and tooltip.
        check: The editor's value → the value to store; raises :class:`ModelGraftError`
            (or ``TypeError``/``ValueError``), whose sentence is shown under the field.
        apply: Stores a checked value that differs from the shown one (pushes an undo step).
        parent: The owning widget.
        hint: The value → a dim line under the field (e.g. what a shape means), or ``None``.

    Attributes:
        editor: The editor widget.
        field: The editor with its message (and hint) below it, for a form row.
        shown: The stored value the field shows.
    """

    def __init__(self, param: Param, check: Callable[[Any], Any], apply: Callable[[Any], None],
                 parent: QObject, hint: Callable[[Any], str] | None = None) -> None:
        super().__init__(parent)
        self.name = param.name
        self.check = check
        self.apply = apply
        self._hint_text = hint
        self.editor: ParamEditor = make_editor(param)
        self.message = error_label()
        self.message.setObjectName(f"error_{param.name}")
        self.hint = dim_label()
        self.hint.setObjectName(f"hint_{param.name}")
        self.hint.setVisible(hint is not None)
        self.field = QWidget()
        box = QVBoxLayout(self.field)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        for widget in (self.editor, self.message, self.hint):
            box.addWidget(widget)
        self.shown: Any = None
        self._touched = False
        self.editor.edited.connect(self._edited)
        self.editor.committed.connect(self.commit)
        self.editor.control.installEventFilter(self)

    @property
    def valid(self) -> bool:
        """Whether the editor holds an acceptable value."""
        return self.message.isHidden()

    def show_value(self, value: Any) -> None:
        """Show the stored value, dropping any unfinished or invalid edit."""
        self.shown = value
        self.editor.set_value(value)
        self._touched = False
        self._set_error(None)
        self._set_hint(value)

    def validate(self) -> tuple[bool, Any]:
        """``(True, value to store)`` if the editor's content is valid, else ``(False, None)``
        with the message shown in place. Changes nothing."""
        try:
            value = self.check(self.editor.value())
        except (ModelGraftError, TypeError, ValueError) as err:
            self._set_error(str(err))
            return False, None
        self._set_error(None)
        self._set_hint(value)
        return True, value

    def commit(self) -> None:
        """Apply the edit if it is valid and changes something."""
        if not self._touched:
            return
        ok, value = self.validate()
        if not ok:
            return
        self._touched = False
        if value != self.shown:
            self.apply(value)
        else:
            self.show_value(self.shown)

    def _edited(self) -> None:
        self._touched = True
        self.validate()

    def _set_hint(self, value: Any) -> None:
        if self._hint_text is not None:
            self.hint.setText(self._hint_text(value))

    def _set_error(self, text: str | None) -> None:
        self.editor.set_invalid(text is not None, verdict_color("error", system_is_dark()).name())
        self.message.setText(text or "")
        self.message.setVisible(text is not None)
        self.hint.setVisible(text is None and self._hint_text is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc drops an unfinished edit."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape and (self._touched or not self.valid):
            self.show_value(self.shown)
            return True
        return False
