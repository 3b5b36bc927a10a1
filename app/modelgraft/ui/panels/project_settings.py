"""The inspector's project page (shown when no node is selected): data bindings at a glance,
the validation split and the training settings.

Each field is checked as the user types by the same code the API uses
(:meth:`~modelgraft.engine.training.settings.TrainSettings.from_dict` for training settings,
:func:`~modelgraft.io.data_spec.with_split` for the split), so the message shown in place is
the API's sentence. A finished edit (Enter, focus out, a step, a toggle, a choice) that is
valid and changes something is pushed as one undo step through ``Document.set_section``.
The page follows ``doc.section_changed``, ``doc.project_replaced`` and the graph's node
events, so undo, redo and Open show up at once. Per-output losses and metrics and per-model
learning-rate multipliers are node parameters, edited on the nodes.

:class:`ProjectSettings` emits no signals of its own (GUI thread only).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...core.graph import INPUT_KIND, OUTPUT_KIND
from ...engine.training.settings import (
    JIT_CHOICES,
    MONITORS,
    OPTIMIZERS,
    SettingsError,
    TrainSettings,
)
from ...io.data_spec import Binding, parse_data, with_split
from ...nodes.base import Param
from ..theme import system_is_dark, verdict_color
from .common import (
    ElidedLabel,
    GraphSubscription,
    caption,
    dim_label,
    error_label,
    form_label,
    form_layout,
)
from .edit_row import EditRow
from .param_editors import ParamEditor

if TYPE_CHECKING:
    from ...project import Project
    from ..document import Document

__all__ = ["ProjectSettings", "binding_summary"]

HINT = "Select a node to edit it. Project-wide settings:"
"""The line the inspector shows above this page."""

_GRAPH_EVENTS = ("node_added", "node_removed", "node_renamed")


def _attribute_docs(cls: type) -> dict[str, str]:
    """``{attribute: description}`` read from the Attributes section of a Google-style docstring."""
    docs: dict[str, str] = {}
    name = None
    for line in (inspect.getdoc(cls) or "").splitlines():
        match = re.match(r"^ {4}(\w+): (.*)$", line)
        if match:
            name = match[1]
            docs[name] = match[2]
        elif name is not None and line.startswith(" " * 8):
            docs[name] += " " + line.strip()
        else:
            name = None
    return {k: v.replace("``", "") for k, v in docs.items()}


_DOCS = _attribute_docs(TrainSettings)


def _param(name: str, type_: str, **kwargs: Any) -> Param:
    return Param(name, type_, doc=_DOCS.get(name, ""), **kwargs)


# (setting, editor, form label, placeholder of a nullable field)
_TRAINING: tuple[tuple[Param, str, str], ...] = (
    (_param("optimizer", "choice", choices=OPTIMIZERS), "Optimizer", ""),
    (_param("learning_rate", "float", nullable=True), "Learning rate", "optimizer default"),
    (_param("batch_size", "int", minimum=1), "Batch size", ""),
    (_param("epochs", "int", minimum=1), "Epochs", ""),
    (_param("early_stopping", "bool"), "Early stopping", ""),
    (_param("patience", "int", minimum=0), "Patience", ""),
    (_param("monitor", "choice", choices=MONITORS), "Monitor", ""),
    (_param("reduce_lr_on_plateau", "bool"), "Reduce LR on plateau", ""),
    (_param("reduce_lr_factor", "float", minimum=0.0, maximum=1.0), "LR factor", ""),
)
_RUNTIME: tuple[tuple[Param, str, str], ...] = (
    (_param("seed", "int", nullable=True), "Seed", "none"),
    (_param("deterministic", "bool"), "Deterministic", ""),
    (_param("device", "choice", choices=("cpu",)), "Device", ""),
    (_param("mixed_precision", "bool"), "Mixed precision", ""),
    (_param("tensorboard", "bool"), "TensorBoard logs", ""),
    (_param("steps_per_execution", "int", minimum=0), "Steps per execution", ""),
    (_param("jit_compile", "choice", choices=JIT_CHOICES), "XLA compilation", ""),
)
_JIT_LABELS = {"auto": "Auto", True: "On", False: "Off"}
"""How the XLA combo names the ``jit_compile`` values."""
_SPLIT_FRACTION = Param("split_fraction", "float", minimum=0.0, maximum=0.9,
                        doc="Fraction of the rows held out for validation by a seeded shuffle "
                            "(0: no validation); bindings with their own validation sources use "
                            "those instead.")
_SPLIT_SEED = Param("split_seed", "int", minimum=0, doc="Seed of the shuffle that picks the held-out rows.")


def _undo_text(label: str) -> str:
    """``"Set batch size"`` for ``"Batch size"`` (acronyms such as ``"LR"`` stay)."""
    keep = len(label) > 1 and label[1].isupper()
    return f"Set {label if keep else label[0].lower() + label[1:]}"


def _candidate(name: str, value: Any) -> Any:
    """An editor's value as the setting takes it ("auto" steps are 0, a typed 1 rate is 1.0)."""
    if name == "steps_per_execution" and isinstance(value, str) and value.strip().lower() == "auto":
        return 0
    if name == "learning_rate" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def binding_summary(binding: Binding) -> str:
    """One line naming a binding's source and key, e.g. ``"train.csv · a, b, c"``."""
    path = Path(binding.source)
    text = f"{path.name}/" if path.is_dir() else path.name
    if binding.key is not None:
        text += " · " + (binding.key if isinstance(binding.key, str) else ", ".join(binding.key))
    return text


class ProjectSettings(QWidget):
    """The project page: bindings, validation split and training settings.

    Args:
        doc: The open document; every edit is pushed on its undo stack.
        parent: The parent widget.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.rows: dict[str, EditRow] = {}
        self.binding_labels: dict[str, ElidedLabel] = {}  # input/output name → its binding line
        self._values: dict[str, Any] = TrainSettings().to_dict()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 12)
        layout.setSpacing(6)

        layout.addWidget(caption("Data"))
        self.bindings = QGridLayout()
        self.bindings.setContentsMargins(0, 0, 0, 0)
        self.bindings.setHorizontalSpacing(10)
        self.bindings.setVerticalSpacing(4)
        self.bindings.setColumnStretch(2, 1)
        layout.addLayout(self.bindings)
        split = form_layout()
        split.setContentsMargins(0, 6, 0, 0)
        for param, label in ((_SPLIT_FRACTION, "Validation split"), (_SPLIT_SEED, "Split seed")):
            self._add_split_row(split, param, label)
        self.editor("split_fraction").control.setSingleStep(0.05)  # type: ignore[attr-defined]
        layout.addLayout(split)

        self.training_problem = error_label()
        self.training_problem.setObjectName("training_problem")
        for title, settings in (("Training", _TRAINING), ("Runtime", _RUNTIME)):
            layout.addWidget(caption(title))
            if title == "Training":
                layout.addWidget(self.training_problem)
            form = form_layout()
            form.setVerticalSpacing(8)
            for param, label, placeholder in settings:
                self._add_training_row(form, param, label, placeholder)
            layout.addLayout(form)
        self.editor("steps_per_execution").control.setSpecialValueText("auto")  # type: ignore[attr-defined]
        jit = self.editor("jit_compile").control
        assert isinstance(jit, QComboBox)
        for i in range(jit.count()):
            jit.setItemText(i, _JIT_LABELS[jit.itemData(i)])
        layout.addStretch(1)

        self._events = GraphSubscription(dict.fromkeys(_GRAPH_EVENTS, self._graph_changed))
        self.destroyed.connect(self._events.detach)
        self._events.attach(doc.graph)
        doc.section_changed.connect(self._section_changed)
        doc.project_replaced.connect(self._project_replaced)
        self.refresh()

    def editor(self, name: str) -> ParamEditor:
        """The editor of a training setting, ``split_fraction`` or ``split_seed`` (for tests)."""
        return self.rows[name].editor

    def set_devices(self, names: list[str]) -> None:
        """Offer these devices besides ``cpu`` (e.g. ``["gpu:0"]``); the stored one stays listed."""
        combo = self.editor("device").control
        assert isinstance(combo, QComboBox)
        combo.blockSignals(True)
        combo.clear()
        for name in ("cpu", *(n for n in names if n != "cpu")):
            combo.addItem(name, name)
        combo.blockSignals(False)
        self.rows["device"].show_value(self._values["device"])

    # ------------------------------------------------------------------ building

    def _add_row(self, form: QFormLayout, param: Param, label: str, check: Callable[[Any], Any],
                 apply: Callable[[Any], None]) -> EditRow:
        row = EditRow(param, lambda value: check(_candidate(param.name, value)), apply, self)
        self.rows[param.name] = row
        if param.type == "bool":  # check boxes line up with the fields' left edge
            row.editor.layout().setAlignment(Qt.AlignmentFlag.AlignLeft)
        name_label = form_label(label, param.doc)
        name_label.setBuddy(row.editor.control)
        form.addRow(name_label, row.field)
        return row

    def _add_split_row(self, form: QFormLayout, param: Param, label: str) -> None:
        def check(value: Any) -> Any:
            self._split_section(param.name, value)
            return value

        def apply(value: Any) -> None:
            self.doc.set_section("data", self._split_section(param.name, value), _undo_text(label))

        self._add_row(form, param, label, check, apply)

    def _add_training_row(self, form: QFormLayout, param: Param, label: str, placeholder: str) -> None:
        name = param.name

        def check(value: Any) -> Any:
            return getattr(TrainSettings.from_dict({**self._values, name: value}), name)

        def apply(value: Any) -> None:
            new = TrainSettings.from_dict({**self._values, name: value}).to_dict()
            self.doc.set_section("training", new, _undo_text(label))

        row = self._add_row(form, param, label, check, apply)
        if placeholder and isinstance(row.editor.control, QLineEdit):
            row.editor.control.setPlaceholderText(placeholder)

    # ------------------------------------------------------------------ showing

    def refresh(self) -> None:
        """Show the project's bindings, split and training settings."""
        self._show_bindings()
        self._show_split()
        self._show_training()

    def _show_bindings(self) -> None:
        while self.bindings.count():
            widget = self.bindings.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # at once: deleteLater waits for the event loop
                widget.deleteLater()
        self.binding_labels = {}
        bound = parse_data(self.doc.project.data).bindings
        nodes = [n for n in self.doc.graph.nodes if n.kind in (INPUT_KIND, OUTPUT_KIND)]
        if not nodes:
            self.bindings.addWidget(dim_label("Add input and output nodes to bind data to them."),
                                    0, 0, 1, 3)
            return
        warning = verdict_color("warning", system_is_dark()).name()
        for r, node in enumerate(sorted(nodes, key=lambda n: (n.kind != INPUT_KIND, n.name))):
            direction = "in" if node.kind == INPUT_KIND else "out"
            arrow = dim_label(direction, wrap=False)
            arrow.setToolTip(f"{node.kind} node")
            name = QLabel(f"<a href='{node.name}'>{node.name}</a>")
            name.setToolTip(f"Select {node.kind} '{node.name}' to edit its binding")
            name.linkActivated.connect(lambda target: self.doc.set_selection([target]))
            value = ElidedLabel(Qt.TextElideMode.ElideMiddle)
            value.setObjectName(f"binding_{node.name}")
            self.binding_labels[node.name] = value
            binding = bound.get(node.name)
            if binding is None:
                value.set_full_text("not bound", f"No data feeds {node.kind} '{node.name}' yet")
                value.setStyleSheet(f"color: {warning};")
            else:
                lines = [f"source: {binding.source}"]
                if binding.key is not None:
                    lines.append(f"key: {binding.key}")
                if binding.validation:
                    lines.append(f"validation: {binding.validation}")
                value.set_full_text(binding_summary(binding), "\n".join(lines))
            self.bindings.addWidget(arrow, r, 0)
            self.bindings.addWidget(name, r, 1)
            self.bindings.addWidget(value, r, 2)

    def _split(self) -> tuple[float, int]:
        split = parse_data(self.doc.project.data).split
        return (split.fraction, split.seed) if split is not None else (0.0, 0)

    def _show_split(self) -> None:
        fraction, seed = self._split()
        self.rows["split_fraction"].show_value(fraction)
        self.rows["split_seed"].show_value(seed)
        self.rows["split_seed"].editor.setEnabled(fraction > 0)

    def _show_training(self) -> None:
        self._values, problem = _shown_training(self.doc.project)
        self.training_problem.setText(f"{problem}; the default is shown instead." if problem else "")
        self.training_problem.setVisible(problem is not None)
        for name, value in self._values.items():
            if name in self.rows:
                self.rows[name].show_value(value)
        patience = self._values["early_stopping"] or self._values["reduce_lr_on_plateau"]
        self.editor("patience").setEnabled(patience)
        self.editor("monitor").setEnabled(patience)
        self.editor("reduce_lr_factor").setEnabled(self._values["reduce_lr_on_plateau"])

    # ------------------------------------------------------------------ split

    def _split_section(self, name: str, value: Any) -> dict[str, Any]:
        """The data section with ``split_fraction`` or ``split_seed`` set to ``value``.

        Raises:
            DataError: the API's sentence for a fraction outside [0, 1) or a negative seed.
        """
        fraction, seed = self._split()
        if name == "split_fraction":
            fraction = value
        else:
            seed = value
        return with_split(self.doc.project.data, fraction, seed)

    # ------------------------------------------------------------------ document events

    def _section_changed(self, section: str) -> None:
        if section == "data":
            self._show_bindings()
            self._show_split()
        else:
            self._show_training()

    def _project_replaced(self, project: Project) -> None:
        self._events.attach(project.graph)
        self.refresh()

    def _graph_changed(self, *_: Any) -> None:
        self._show_bindings()


def _shown_training(project: Project) -> tuple[dict[str, Any], SettingsError | None]:
    """The project's training settings as the page shows them, and the stored problem if any.

    A setting that is unknown or invalid in the project (a hand-edited file) is replaced by
    its default, so every field shows a valid value; the next change here stores the lot.
    """
    try:
        return TrainSettings.from_dict(project.training).to_dict(), None
    except SettingsError as err:
        values = TrainSettings().to_dict()
        for name, value in project.training.items():
            if name in values:
                try:
                    TrainSettings.from_dict({name: value})
                except SettingsError:
                    continue
                values[name] = value
        return values, err
