"""The inspector's part for ``input`` and ``output`` nodes: the data source bound to the node.

A source (a CSV, NPY or NPZ file, or an image folder), its key (an NPZ array, a CSV column
or comma-separated columns, offered as completions) and an optional separate validation
source (File… and Folder… open a non-blocking dialog). Every change is checked by :func:`modelgraft.data_api.binding_section` (the API's
checks and sentences, without TensorFlow); a valid one is pushed as one undo step through
``Document.set_section``, an invalid one is shown under its field and kept on screen
(not in the project) until it is fixed, replaced or undone.

:class:`DataSection` emits no signals of its own and follows ``doc.section_changed``
(GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QStringListModel, Qt
from PySide6.QtWidgets import (
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import DataError
from ...core.graph import INPUT_KIND
from ...data_api import binding_section, source_keys
from ...io.data_spec import Binding, without_binding
from ..theme import colors, system_is_dark, verdict_color
from .common import ElidedLabel, dim_label, error_label, form_label, form_layout

if TYPE_CHECKING:
    from ...core.elements import Node
    from ..document import Document

__all__ = ["DataSection", "format_key", "parse_key"]

FILE_FILTERS = ("Data files (*.csv *.npy *.npz)", "All files (*)")
_MAX_NAMES = 12
# Per source kind: the key field's label, its placeholder, and how the names are introduced.
_KEY_FIELD = {
    "csv": ("Columns", "every column, or a, b, c", "Columns"),
    "npz": ("Array", "the file's only array", "Arrays"),
    "npy": ("Key", "not used for .npy files", ""),
    "images": ("Key", "not used for image folders", ""),
    None: ("Key", "choose a source first", ""),
}


def parse_key(text: str) -> str | list[str] | None:
    """A typed key: empty → ``None``, ``"label"`` → ``"label"``, ``"a, b"`` or ``"a,"`` → a list."""
    text = text.strip()
    if not text:
        return None
    if "," not in text:
        return text
    return [part.strip() for part in text.split(",") if part.strip()]


def format_key(key: str | list[str] | None) -> str:
    """A key as :func:`parse_key` reads it back (a one-column list keeps its comma)."""
    if key is None:
        return ""
    if isinstance(key, str):
        return key
    return ", ".join(key) + ("," if len(key) == 1 else "")


def _kind(path: str | None) -> str | None:
    if path is None:
        return None
    p = Path(path)
    return "images" if p.is_dir() else p.suffix.lower().lstrip(".")


class _ListCompleter(QCompleter):
    """Completes the last entry of a comma-separated list (or a single name)."""

    def splitPath(self, path: str) -> list[str]:
        return [path.rsplit(",", 1)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex) -> str:
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        head = text.rsplit(",", 1)[0] + ", " if "," in text else ""
        return head + str(index.data())


class DataSection(QWidget):
    """Shows and edits the data binding of one input or output node.

    Args:
        doc: The open document; every edit is pushed on its undo stack.
        node: An input or output node (its binding is looked up by its current name).
        parent: The parent widget.
    """

    def __init__(self, doc: Document, node: Node, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.node = node
        self.source_path: str | None = None
        self.validation_path: str | None = None
        self._shown: tuple[str, Any] | None = None  # (node name, binding) last read from the doc

        self.source = ElidedLabel()
        self.source.setObjectName("data_source")
        self.choose_file = QPushButton("File…")
        self.choose_file.setToolTip("Choose a .csv, .npy or .npz file with one row per example")
        self.choose_file.clicked.connect(lambda: self._open_dialog(self.choose_source, folder=False))
        self.choose_folder = QPushButton("Folder…")
        self.choose_folder.setToolTip("Choose a folder of images with one sub-folder per class")
        self.choose_folder.clicked.connect(lambda: self._open_dialog(self.choose_source, folder=True))
        self.source_error = error_label()
        self.source_error.setObjectName("data_source_error")

        self.key = QLineEdit()
        self.key.setObjectName("data_key")
        self.key.setToolTip("An .npz file's array, or a CSV file's column (one value per row) or "
                            "comma-separated columns (a vector per row); empty: every column, or "
                            "the only array")
        self._key_edited = False  # the key differs from what was last shown or checked
        self.key.textChanged.connect(self._key_changed)
        self.key.editingFinished.connect(self._key_finished)
        self.completions = QStringListModel(self)
        completer = _ListCompleter(self.completions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.key.setCompleter(completer)
        self.names = dim_label()
        self.names.setObjectName("data_names")
        self.key_error = error_label()
        self.key_error.setObjectName("data_key_error")

        self.validation = ElidedLabel()
        self.validation.setObjectName("data_validation")
        self.choose_validation_button = QPushButton("Choose…")
        self.choose_validation_button.setToolTip("Choose a separate validation source laid out like "
                                                 "the training source")
        self.choose_validation_button.clicked.connect(self._choose_validation_dialog)
        self.clear_validation = QPushButton("Clear")
        self.clear_validation.setToolTip("Validate on the project's validation split instead")
        self.clear_validation.clicked.connect(lambda: self.choose_validation(None))
        self.validation_error = error_label()
        self.validation_error.setObjectName("data_validation_error")

        self.remove = QPushButton("Remove Binding")
        self.remove.setObjectName("data_remove")
        self.remove.setToolTip("Unbind this node (the data files are not touched)")
        self.remove.clicked.connect(self.remove_binding)

        self.key_label = form_label("Key")
        self.key_label.setBuddy(self.key)
        self._layout()
        doc.section_changed.connect(self._section_changed)
        self.refresh()

    def _layout(self) -> None:
        role = "values fed to this input" if self.node.kind == INPUT_KIND else \
            "targets this output is trained on"
        form = form_layout()
        form.setVerticalSpacing(8)
        form.addRow(form_label("Source", f"Where the {role} come from"),
                    _stack(self.source, _buttons(self.choose_file, self.choose_folder),
                           self.source_error))
        form.addRow(self.key_label, _stack(self.key, self.names, self.key_error))
        form.addRow(form_label("Validation", "A separate validation source (optional)"),
                    _stack(self.validation, _buttons(self.choose_validation_button,
                                                     self.clear_validation), self.validation_error))
        form.addRow(form_label(""), _buttons(self.remove))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(dim_label(f"The {role} when training."))
        layout.addLayout(form)

    # ------------------------------------------------------------------ showing

    def _binding(self) -> dict[str, Any] | None:
        return self.doc.project.data.get("bindings", {}).get(self.node.name)

    def refresh(self) -> None:
        """Show the document's binding of the node, unless it is the one already shown (an
        unfinished or invalid edit of it then stays on screen)."""
        binding = self._binding()
        if self._shown == (self.node.name, binding):
            return
        self._shown = (self.node.name, binding)
        parsed = Binding.model_validate(binding) if binding else None
        self.key.setText(format_key(parsed.key) if parsed else "")
        self._key_edited = False
        self._show_paths(parsed.source if parsed else None, parsed.validation if parsed else None)
        self._set_errors(None, None)

    def _show_paths(self, source: str | None, validation: str | None) -> None:
        self.source_path, self.validation_path = source, validation
        dim = colors(system_is_dark()).text_dim.name()
        warning = verdict_color("warning", system_is_dark()).name()
        self.source.set_full_text(source or "not bound", source or "No data feeds this node yet")
        self.source.setStyleSheet("" if source else f"color: {warning};")
        self.validation.set_full_text(validation or "none",
                                      validation or "Validated on the project's validation split")
        self.validation.setStyleSheet("" if validation else f"color: {dim};")
        kind = _kind(source)
        label, placeholder, names_word = _KEY_FIELD.get(kind, _KEY_FIELD[None])
        self.key_label.setText(label)
        self.key.setPlaceholderText(placeholder)
        self.key.setEnabled(bool(names_word))
        names = source_keys(source) if names_word and source else []
        self.completions.setStringList(names)
        shown = ", ".join(names[:_MAX_NAMES]) + (f" and {len(names) - _MAX_NAMES} more"
                                                 if len(names) > _MAX_NAMES else "")
        self.names.setText(f"{names_word}: {shown}" if names else "")
        self.names.setVisible(bool(names))
        self.choose_validation_button.setEnabled(source is not None)
        self.clear_validation.setEnabled(validation is not None)
        self.remove.setEnabled(source is not None)

    def _set_errors(self, field: QLabel | None, text: str | None) -> None:
        for label in (self.source_error, self.key_error, self.validation_error):
            shown = label is field and text is not None
            label.setText(text if shown else "")
            label.setVisible(shown)
        color = verdict_color("error", system_is_dark()).name()
        invalid = field is self.key_error and text is not None
        self.key.setStyleSheet(f"border: 1px solid {color}; border-radius: 3px;" if invalid else "")

    # ------------------------------------------------------------------ editing

    def choose_source(self, path: str) -> None:
        """Bind the node to ``path`` (what the File… and Folder… dialogs call).

        The key is kept when the new source is of the same kind (another CSV file) and
        cleared otherwise; an invalid binding is shown under the source, not stored.
        """
        if _kind(path) != _kind(self.source_path):
            self.key.clear()
        self._show_paths(str(Path(path).resolve()), self.validation_path)
        self._bind(self.source_error)

    def choose_validation(self, path: str | None) -> None:
        """Use ``path`` as the node's separate validation source (``None``: no separate one)."""
        if self.source_path is None:
            return
        self._show_paths(self.source_path, str(Path(path).resolve()) if path else None)
        self._bind(self.validation_error)

    def remove_binding(self) -> None:
        """Unbind the node (or drop a source chosen but not yet valid)."""
        if self._binding() is None:
            self._shown = None
            self.refresh()
            return
        new = without_binding(self.doc.project.data, self.node.name)
        self.doc.set_section("data", new, f"Remove binding of '{self.node.name}'")

    def _bind(self, field: QLabel) -> None:
        """Check the binding shown and push it if it is valid; else show why under ``field``."""
        self._key_edited = False
        if self.source_path is None:
            return
        try:
            new = binding_section(self.doc.project, self.node.name, self.source_path,
                                  parse_key(self.key.text()), self.validation_path)
        except DataError as err:
            self._set_errors(field, str(err))
            return
        self._set_errors(None, None)
        self.doc.set_section("data", new, f"Bind '{self.node.name}' to {Path(self.source_path).name}")

    def _key_changed(self) -> None:
        self._key_edited = True

    def _key_finished(self) -> None:
        if self._key_edited:
            self._bind(self.key_error)

    def _open_dialog(self, chosen: Callable[[str], None], folder: bool) -> None:
        """A non-blocking file or folder dialog whose choice goes to ``chosen``."""
        start = self.source_path or (str(self.doc.path.parent) if self.doc.path else str(Path.home()))
        dialog = QFileDialog(self, "Choose Image Folder" if folder else "Choose Data File",
                             str(Path(start).parent if Path(start).is_file() else start))
        if folder:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            dialog.setNameFilters(list(FILE_FILTERS))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(chosen)
        dialog.open()

    def _choose_validation_dialog(self) -> None:
        self._open_dialog(self.choose_validation, folder=_kind(self.source_path) == "images")

    def _section_changed(self, section: str) -> None:
        if section == "data":
            self.refresh()


def _stack(*widgets: QWidget) -> QWidget:
    """Widgets one under the other, as one form field."""
    field = QWidget()
    box = QVBoxLayout(field)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(3)
    for widget in widgets:
        box.addWidget(widget)
    return field


def _buttons(*buttons: QPushButton) -> QWidget:
    """Buttons side by side, left-aligned, narrower than the style's minimum if need be."""
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(6)
    for button in buttons:
        button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 16)
        box.addWidget(button)
    box.addStretch(1)
    return row
