"""The canvas widget: pan, zoom, fit, keyboard editing, clipboard, and drops from the palette
and from the file manager.

Every edit goes through an undo command pushed on the document (``doc.push``); the view
never changes the graph itself. ``GraphView`` emits no signals of its own: errors a user
caused (a refused file, a bad paste) are reported with ``doc.message`` (GUI thread).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QNativeGestureEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QGestureEvent, QGraphicsView, QPinchGesture, QWidget

from ...core.errors import ModelGraftError
from ...io import model_node_params
from ..commands import (
    AddNodeCommand,
    DisconnectCommand,
    EdgeRef,
    NodeData,
    PasteCommand,
    RemoveNodesCommand,
    snapshot,
)
from ..document import Document
from .defaults import GRID, MIME_KIND, MIME_SUBGRAPH, MODEL_SUFFIXES, default_params
from .scene import GraphScene

__all__ = ["GraphView", "model_paths"]

_MIN_SCALE, _MAX_SCALE = 0.05, 4.0
_ZOOM_STEP = 1.25


def model_paths(mime: QMimeData) -> list[str]:
    """Local model files and SavedModel folders among the URLs of a drag."""
    paths = []
    for url in mime.urls():
        if not url.isLocalFile():
            continue
        path = url.toLocalFile().rstrip("/") or "/"
        if os.path.isdir(path) or path.lower().endswith(MODEL_SUFFIXES):
            paths.append(path)
    return paths


class GraphView(QGraphicsView):
    """The node canvas of a document.

    Attributes:
        doc: The document shown and edited.
        graph_scene: The scene holding the node and edge items.
    """

    def __init__(self, doc: Document, parent: QWidget | None = None, dark: bool | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.graph_scene = GraphScene(doc, dark, self)
        self.setScene(self.graph_scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._pan_from: QPoint | None = None
        self._space = False
        self._paste_count = 0
        self._closed = False
        self.last_declined = False
        self.centerOn(0, 0)
        doc.project_replaced.connect(self._on_project_replaced)

    # ------------------------------------------------------------------ navigation

    @property
    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def zoom_in(self) -> None:
        """Zoom in around the view centre."""
        self._zoom_by(_ZOOM_STEP, self.viewport().rect().center())

    def zoom_out(self) -> None:
        """Zoom out around the view centre."""
        self._zoom_by(1 / _ZOOM_STEP, self.viewport().rect().center())

    def _zoom_by(self, factor: float, anchor: QPoint | QPointF) -> None:
        """Scale by ``factor`` keeping the scene point under ``anchor`` (viewport pixels) still."""
        factor = max(_MIN_SCALE, min(_MAX_SCALE, self.zoom * factor)) / self.zoom
        if abs(factor - 1.0) < 1e-9:
            return
        anchor = QPointF(anchor)
        fixed = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        self._scroll_by(self.mapFromScene(fixed) - anchor.toPoint())
        self.graph_scene.set_detail(self.zoom)

    def _scroll_by(self, delta: QPoint | QPointF) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(delta.x()))
        v.setValue(v.value() + round(delta.y()))

    def fit(self) -> None:
        """Show every node, at most at 100 %."""
        rect = self.graph_scene.nodes_rect()
        if rect.isNull():
            self.resetTransform()
            self.centerOn(0, 0)
            self.graph_scene.set_detail(self.zoom)
            return
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > 1.0:
            self.resetTransform()
        elif self.zoom < _MIN_SCALE:
            self.setTransform(self.transform().fromScale(_MIN_SCALE, _MIN_SCALE))
        self.centerOn(rect.center())
        self.graph_scene.set_detail(self.zoom)

    def center_on_node(self, name: str) -> None:
        """Scroll so the node is in the middle of the view."""
        self.centerOn(self.graph_scene.node_item(name).sceneBoundingRect().center())

    def _on_project_replaced(self, project: Any) -> None:
        self._paste_count = 0
        self.fit()

    # ------------------------------------------------------------------ editing

    def select_all(self) -> None:
        """Select every node and edge."""
        self.graph_scene.select_all()

    def add_node_at(self, kind: str, params: dict[str, Any], scene_pos: QPointF | None = None) -> str:
        """Add a node whose title sits at ``scene_pos`` (the view centre if ``None``).

        Returns:
            The new node's name, or ``""`` if the parameters were refused (the reason is
            sent with ``doc.message``).
        """
        if scene_pos is None:
            scene_pos = self.mapToScene(self.viewport().rect().center())
        x, y = scene_pos.x() - 80.0, scene_pos.y() - 14.0
        position = (round(x / GRID) * GRID, round(y / GRID) * GRID)
        try:
            command = AddNodeCommand(self.doc, kind, params, position)
        except ModelGraftError as err:
            self.doc.message.emit(str(err))
            return ""
        self.doc.push(command)
        self.graph_scene.select_names([command.name])
        return command.name

    def add_model_file(self, path: str, scene_pos: QPointF | None = None) -> str:
        """Add a model node for a ``.keras``/``.h5`` file or SavedModel folder.

        Input ports appear at once (read without TensorFlow); the document loads the model
        on the engine thread and the outputs appear when it is done. A file the pre-load
        scan finds code in is added only if the document's trust gate says so (the user
        trusted it now or before).

        Returns:
            The new node's name, or ``""`` if the file was refused (its one-sentence
            reason is sent with ``doc.message``; :attr:`last_declined` tells whether the
            user declined to trust it).
        """
        gate = self.doc.trust_gate
        self.last_declined = False
        try:
            review = gate.review(path) if gate is not None else None  # before anything reads it
            params = model_node_params(path, with_hash=False)  # the engine thread hashes it
        except ModelGraftError as err:
            self.doc.message.emit(str(err))
            return ""
        if review is not None and review.status == "declined":
            self.last_declined = True
            self.doc.message.emit(f"'{Path(path).name}' was not added: it would run code when "
                                  f"loaded and was not trusted ({review.findings[0].message})")
            return ""
        if review is not None and review.status == "trusted":
            params.update(trusted=True, sha256=review.sha256)
        return self.add_node_at("model", params, scene_pos)

    def delete_selected(self) -> None:
        """Delete the selected nodes (with their edges) and the selected edges, as one step."""
        names = self.graph_scene.selected_names()
        gone = set(names)
        refs = [e.ref for e in self.graph_scene.selected_edges()
                if e.ref.src not in gone and e.ref.dst not in gone]
        commands = ([RemoveNodesCommand(self.doc, names)] if names else []) \
            + ([DisconnectCommand(self.doc, refs)] if refs else [])
        if len(commands) == 1:
            self.doc.push(commands[0])
        elif commands:
            self.graph_scene.push_macro("Delete", commands)

    def copy(self) -> None:
        """Put the selected nodes and the edges between them on the system clipboard."""
        names = self.graph_scene.selected_names()
        if not names:
            return
        nodes, edges = snapshot(self.doc.graph, names)
        data = {"nodes": [{"name": n.name, "kind": n.kind, "params": n.params,
                           "position": list(n.position)} for n in nodes],
                "edges": [[e.src, e.src_port, e.dst, e.dst_port] for e in edges
                          if e.src in names and e.dst in names]}
        payload = json.dumps(data)
        mime = QMimeData()
        mime.setData(MIME_SUBGRAPH, payload.encode())
        mime.setText(payload)
        QGuiApplication.clipboard().setMimeData(mime)
        self._paste_count = 0

    def cut(self) -> None:
        """Copy the selected nodes, then delete them as one "Cut" step."""
        names = self.graph_scene.selected_names()
        if not names:
            return
        self.copy()
        command = RemoveNodesCommand(self.doc, names)
        command.setText(f"Cut {len(names)} node{'s' if len(names) != 1 else ''}")
        self.doc.push(command)

    def paste(self) -> None:
        """Add the nodes on the clipboard under fresh names, offset from where they were."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(MIME_SUBGRAPH):
            return
        try:
            data = json.loads(bytes(mime.data(MIME_SUBGRAPH).data()).decode())
            nodes = [NodeData(n["name"], n["kind"],
                              self.doc.graph.catalog.normalize_params(n["kind"], n["params"], n["name"]),
                              (float(n["position"][0]), float(n["position"][1])))
                     for n in data["nodes"]]
            edges = [EdgeRef(*e) for e in data["edges"]]
        except ModelGraftError as err:
            self.doc.message.emit(f"cannot paste: {err}")
            return
        except (ValueError, KeyError, TypeError, IndexError):
            self.doc.message.emit("cannot paste: the clipboard holds no readable ModelGraft nodes")
            return
        self._paste_count += 1
        self._paste(nodes, edges, 2 * GRID * self._paste_count)

    def duplicate(self) -> None:
        """Copy the selected nodes and their inner edges next to themselves."""
        names = self.graph_scene.selected_names()
        if names:
            nodes, edges = snapshot(self.doc.graph, names)
            self._paste(nodes, edges, 2 * GRID)

    def _paste(self, nodes: list[NodeData], edges: list[EdgeRef], offset: float) -> None:
        command = PasteCommand(self.doc, nodes, edges, (offset, offset))
        self.doc.push(command)
        self.graph_scene.select_names(command.names)

    # ------------------------------------------------------------------ mouse, wheel, gestures

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            self._scroll_by(self._pan_from - pos)
            self._pan_from = pos
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                             Qt.MouseButton.LeftButton):
            self._pan_from = None
            self._set_idle_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def _set_idle_cursor(self) -> None:
        if self._space:
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.viewport().unsetCursor()

    def wheelEvent(self, event: QWheelEvent) -> None:
        pixels = event.pixelDelta()
        if not pixels.isNull() and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self._scroll_by(-pixels)  # a touchpad's two-finger scroll pans
        else:
            steps = event.angleDelta().y() / 120.0
            self._zoom_by(_ZOOM_STEP ** steps, event.position())
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if isinstance(event, QNativeGestureEvent) \
                and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self._zoom_by(1.0 + event.value(), event.position())
            return True
        if event.type() == QEvent.Type.Gesture and isinstance(event, QGestureEvent):
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if isinstance(pinch, QPinchGesture):
                center = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self._zoom_by(pinch.scaleFactor(), center)
                event.accept()
                return True
        return super().viewportEvent(event)

    # ------------------------------------------------------------------ keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._set_idle_cursor()
            return
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selected()
            return
        if key == Qt.Key.Key_Escape:
            self.graph_scene.link.cancel()
            self.graph_scene.clear_selection()
            return
        for sequence, action in ((QKeySequence.StandardKey.Copy, self.copy),
                                 (QKeySequence.StandardKey.Cut, self.cut),
                                 (QKeySequence.StandardKey.Paste, self.paste),
                                 (QKeySequence.StandardKey.SelectAll, self.select_all),
                                 (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
                                 (QKeySequence.StandardKey.ZoomOut, self.zoom_out)):
            if event.matches(sequence):
                action()
                return
        if key == Qt.Key.Key_D and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.duplicate()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._set_idle_cursor()
            return
        super().keyReleaseEvent(event)

    # ------------------------------------------------------------------ drops

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(MIME_KIND) or bool(model_paths(mime))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        pos = self.mapToScene(event.position().toPoint())
        if mime.hasFormat(MIME_KIND):
            kind = bytes(mime.data(MIME_KIND).data()).decode()
            self.add_node_at(kind, default_params(kind), pos)
        else:
            names = []
            for i, path in enumerate(model_paths(mime)):
                name = self.add_model_file(path, pos + QPointF(0.0, 6 * GRID * i))
                if name:
                    names.append(name)
            self.graph_scene.select_names(names)
        event.acceptProposedAction()
        self.setFocus()

    # ------------------------------------------------------------------ lifetime

    def close_document(self) -> None:
        """Stop observing the document (the window calls this before the view goes away)."""
        if self._closed:
            return
        self._closed = True
        self.graph_scene.close()
        self.doc.project_replaced.disconnect(self._on_project_replaced)

    def closeEvent(self, event: Any) -> None:
        self.close_document()
        super().closeEvent(event)

    def visible_scene_rect(self) -> QRectF:
        """The part of the scene currently shown."""
        return self.mapToScene(self.viewport().rect()).boundingRect()

