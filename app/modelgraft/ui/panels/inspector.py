"""The inspector: name, parameters, data binding, ports and problems of the selected node,
or the project page (data and training settings) when no node is selected.

Every edit is validated as the user types, by the node kind's own rules (the same
one-sentence message the API gives), and a valid change is pushed as one undo command.
The panel observes the graph, so undo, redo and loads elsewhere show up at once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...core.errors import ModelGraftError
from ...core.graph import INPUT_KIND, OUTPUT_KIND
from ...core.spec import format_shape
from ...nodes import get_kind
from ..commands import RenameCommand, SetParamsCommand
from ..theme import colors, system_is_dark, verdict_color
from .common import (
    GraphSubscription,
    caption,
    dim_label,
    error_label,
    form_label,
    form_layout,
)
from .data_section import DataSection
from .edit_row import EditRow
from .model_section import LayerSummaries, LayerTable, ModelInfo
from .param_editors import ParamEditor
from .project_settings import HINT, ProjectSettings

if TYPE_CHECKING:
    from ...core.elements import Node
    from ...nodes.base import Param
    from ..document import Document

__all__ = ["InspectorPanel"]

# Model parameters shown by the model section rather than as plain editors.
_MODEL_SECTION_PARAMS = ("path", "endpoint")
# A change of these makes the engine re-read the model (counts, ports).
_EVENTS = ("node_renamed", "spec_changed", "node_removed", "ports_changed",
           "edge_added", "edge_removed", "verdict_changed")


def _humanize(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _param_row(view: _NodeView, param: Param) -> EditRow:
    """The row of one node parameter: checked by the kind's own rules, committed as one
    ``SetParamsCommand``."""

    def check(candidate: Any) -> Any:
        node = view.node
        params = node.graph.catalog.normalize_params(node.kind, {**node.params, param.name: candidate},
                                                     node.name)
        return params[param.name]

    def apply(value: Any) -> None:
        view.doc.push(SetParamsCommand(view.doc, view.node.name, {param.name: value}))

    def shape_hint(value: Any) -> str:
        return f"tensor {format_shape(value)}, batch axis first"

    return EditRow(param, check, apply, view, hint=shape_hint if param.type == "shape" else None)


class _NodeView(QWidget):
    """Everything the inspector shows about one node; :meth:`refresh` re-reads it."""

    def __init__(self, doc: Document, node: Node, summaries: LayerSummaries,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.node = node
        kind = get_kind(node.kind)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(6)

        self.name = QLineEdit(node.name)
        self.name.setObjectName("node_name")
        font = self.name.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.name.setFont(font)
        self.name.setToolTip("The node's unique name (also its Keras layer name). Enter renames.")
        self.name.textEdited.connect(self._name_edited)
        self.name.editingFinished.connect(self._rename)
        self.name.installEventFilter(self)
        self.name_error = error_label()
        self.name_error.setObjectName("error_name")
        layout.addWidget(self.name)
        layout.addWidget(self.name_error)

        pal = colors(system_is_dark())
        self.kind = QLabel(f"<span style='color:{pal.family_color(kind.family).name()}'>■</span>"
                           f"&nbsp; <b>{kind.title}</b>&nbsp;&nbsp;"
                           f"<span style='color:{pal.text_dim.name()}'>{node.kind}</span>")
        self.kind.setObjectName("node_kind")
        layout.addWidget(self.kind)
        text = kind.doc.replace("``", "")
        first = re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]
        doc_label = dim_label(first)
        doc_label.setToolTip(f"<p>{text}</p>" if first != text else "")
        doc_label.setObjectName("node_doc")
        layout.addWidget(doc_label)

        self.problem = error_label()
        self.problem.setObjectName("node_problem")
        layout.addWidget(self.problem)

        self.model_info: ModelInfo | None = None
        self.layers: LayerTable | None = None
        if node.kind == "model":
            layout.addWidget(caption("Model"))
            self.model_info = ModelInfo(doc)
            self.model_info.endpoint_chosen.connect(self._choose_endpoint)
            layout.addWidget(self.model_info)

        self.rows: dict[str, EditRow] = {}
        visible = [p for p in kind.params if not p.hidden
                   and not (node.kind == "model" and p.name in _MODEL_SECTION_PARAMS)]
        if visible:
            layout.addWidget(caption("Parameters"))
            form = form_layout()
            form.setVerticalSpacing(8)
            for param in visible:
                row = _param_row(self, param)
                self.rows[param.name] = row
                label = form_label(_humanize(param.name), f"{param.name}: {param.doc}")
                label.setBuddy(row.editor.control)
                form.addRow(label, row.field)
            layout.addLayout(form)
        elif node.kind != "model":
            layout.addWidget(caption("Parameters"))
            layout.addWidget(dim_label("This node has no parameters."))

        self.data: DataSection | None = None
        if node.kind in (INPUT_KIND, OUTPUT_KIND):
            layout.addWidget(caption("Data"))
            self.data = DataSection(doc, node)
            layout.addWidget(self.data)

        layout.addWidget(caption("Ports"))
        self.ports = QGridLayout()
        self.ports.setContentsMargins(0, 0, 0, 0)
        self.ports.setHorizontalSpacing(10)
        self.ports.setVerticalSpacing(4)
        self.ports.setColumnStretch(2, 1)
        layout.addLayout(self.ports)

        if node.kind == "model":
            layout.addWidget(caption("Layers"))
            self.layers = LayerTable(summaries)
            layout.addWidget(self.layers)
        layout.addStretch(1)
        self.refresh()

    # ------------------------------------------------------------------ refresh

    def refresh(self) -> None:
        """Re-read the node: name, values, ports, problem, model details."""
        node = self.node
        if not self.name.hasFocus() or self.name_error.isHidden():
            self._show_name()
        for name, row in self.rows.items():
            row.show_value(node.params[name])
        if self.model_info is not None:
            self.model_info.show_node(node)
        if self.layers is not None:
            self.layers.show_node(node)
        if self.data is not None:
            self.data.refresh()
        self._show_ports()
        self._show_problem()

    def _show_name(self) -> None:
        if self.name.text() != self.node.name:
            self.name.setText(self.node.name)
        self._set_name_error(None)

    def _show_problem(self) -> None:
        node = self.node
        messages = [p.message for p in node.graph.check() if p.node == node.name]
        self.problem.setText("\n".join(f"⚠ {m}" for m in messages))
        self.problem.setVisible(bool(messages))

    def _show_ports(self) -> None:
        while self.ports.count():
            item = self.ports.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF())
        rows: list[tuple[str, str, str, str]] = []
        for port in self.node.inputs:
            edges = port.edges
            source = f"from {edges[0].src.label}" if edges else "not connected"
            rows.append(("in", port.name, str(port.spec) if port.spec else "unknown", source))
        for port in self.node.outputs:
            n = len(port.edges)
            used = f"to {n} input{'s' if n != 1 else ''}" if n else "not used"
            rows.append(("out", port.name, str(port.spec) if port.spec else "unknown", used))
        if not rows:
            self.ports.addWidget(dim_label("No ports."), 0, 0, 1, 3)
            return
        for r, (direction, name, spec, where) in enumerate(rows):
            arrow = dim_label(direction, wrap=False)
            arrow.setToolTip("input" if direction == "in" else "output")
            label = QLabel(name)
            label.setToolTip(f"{direction}put '{name}': {where}")
            value = QLabel(spec)
            value.setFont(mono)
            value.setObjectName(f"port_{direction}_{name}")
            value.setToolTip(f"{spec}\n{where}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if spec == "unknown":
                value.setStyleSheet(f"color: {colors(system_is_dark()).text_dim.name()};")
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.ports.addWidget(arrow, r, 0)
            self.ports.addWidget(label, r, 1)
            self.ports.addWidget(value, r, 2)

    # ------------------------------------------------------------------ rename

    def _name_problem(self, text: str) -> str | None:
        if text == self.node.name:
            return None
        try:
            self.node.graph.check_name(text)  # the graph's own rule and message
        except ModelGraftError as err:
            return str(err)
        return None

    def _name_edited(self, text: str) -> None:
        self._set_name_error(self._name_problem(text))

    def _rename(self) -> None:
        text = self.name.text()
        problem = self._name_problem(text)
        self._set_name_error(problem)
        if problem is None and text != self.node.name:
            self.doc.push(RenameCommand(self.doc, self.node.name, text))

    def _set_name_error(self, text: str | None) -> None:
        color = verdict_color("error", system_is_dark()).name()
        self.name.setStyleSheet(f"border: 1px solid {color}; border-radius: 3px;" if text else "")
        self.name_error.setText(text or "")
        self.name_error.setVisible(text is not None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc in the name field gives the node's name back."""
        if watched is self.name and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Escape:
            self._show_name()
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ model

    def _choose_endpoint(self, endpoint: str) -> None:
        if endpoint != self.node.params["endpoint"]:
            self.doc.push(SetParamsCommand(self.doc, self.node.name, {"endpoint": endpoint}))


class InspectorPanel(QWidget):
    """Shows and edits the selected node, or the project's settings.

    Follows ``doc.selection_changed``: one node selected shows its editor, several show
    how many, none the project page (:class:`ProjectSettings`). Emits no signals of its
    own; every edit is an undo command pushed on ``doc`` (GUI thread). A change of a model's
    ``trainable`` flag or endpoint, from here or from undo, has the document reload the
    model so its counts and ports follow.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.summaries = LayerSummaries(doc, self)
        self.view: _NodeView | None = None
        self.page = ProjectSettings(doc, self)  # kept while a node is shown
        self._events = GraphSubscription({e: self._on_event for e in _EVENTS}
                                         | {"params_changed": self._params_changed})
        self.destroyed.connect(self._events.detach)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.hint = dim_label()
        self.hint.setObjectName("inspector_hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.hint)
        layout.addWidget(self.scroll)
        doc.selection_changed.connect(self._show_selection)
        doc.project_replaced.connect(self._project_replaced)
        self._events.attach(doc.graph)
        self._show_selection(doc.selection)

    @property
    def node_name(self) -> str | None:
        """The name of the node shown, if one is."""
        return self.view.node.name if self.view is not None else None

    @property
    def project_settings(self) -> ProjectSettings | None:
        """The project page, while it is shown (no node selected)."""
        return self.page if self.scroll.widget() is self.page else None

    @property
    def data_section(self) -> DataSection | None:
        """The data binding part of the input or output node shown, if one is."""
        return self.view.data if self.view is not None else None

    def editor(self, param: str) -> ParamEditor:
        """The editor of one parameter of the node shown (for the window and tests)."""
        assert self.view is not None, "no node is shown"
        return self.view.rows[param].editor

    def set_devices(self, names: list[str]) -> None:
        """The devices the project page offers besides ``cpu`` (e.g. ``["gpu:0"]``)."""
        self.page.set_devices(names)

    # ------------------------------------------------------------------ selection

    def _show_selection(self, names: list[str]) -> None:
        if len(names) == 1 and names[0] in self.doc.graph:
            node = self.doc.graph.node(names[0])
            if self.view is not None and self.view.node is node:
                self.view.refresh()
                return
            self._show(_NodeView(self.doc, node, self.summaries), None)
        elif names:
            self._show(None, f"{len(names)} nodes selected")
        else:
            self._show(self.page, HINT)

    def _show(self, widget: QWidget | None, hint: str | None) -> None:
        """Put ``widget`` in the scroll area (``None``: none) under the ``hint`` line (``None``:
        no hint); the hint alone fills the panel, centred."""
        old = self.scroll.takeWidget()
        if old is self.page:
            self.page.setParent(self)  # kept (hidden) for the next time nothing is selected
            self.page.hide()
        elif old is not None:
            old.deleteLater()
        self.view = widget if isinstance(widget, _NodeView) else None
        if widget is not None:
            self.scroll.setWidget(widget)
        self.scroll.setVisible(widget is not None)
        self.hint.setText(hint or "")
        self.hint.setVisible(hint is not None)
        alone = widget is None
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter if alone else
                               Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.hint.setContentsMargins(*((16, 16, 16, 16) if alone else (12, 10, 12, 0)))

    # ------------------------------------------------------------------ graph events

    def _project_replaced(self, project: Any) -> None:
        self.summaries.clear()
        self._events.attach(project.graph)
        self._show_selection(self.doc.selection)

    def _on_event(self, subject: Any, *_: Any) -> None:
        view = self.view
        if view is None:
            return
        node = view.node
        if subject is node and node.name not in self.doc.graph:  # removed
            self._show_selection([])
            return
        edge_nodes = (getattr(subject, "src", None), getattr(subject, "dst", None))
        if subject is node or any(p is not None and p.node is node for p in edge_nodes) \
                or node.name in self.doc.graph and subject in node.predecessors:
            view.refresh()

    def _params_changed(self, node: Node, old: dict[str, Any]) -> None:
        self._on_event(node)
