"""The node canvas, driven with real mouse, keyboard and drop events on the view (offscreen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from modelgraft.io import model_node_params
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.canvas import MIME_KIND, GraphView, default_params
from modelgraft.ui.commands import AddNodeCommand, ConnectCommand, EdgeRef, SetParamsCommand
from modelgraft.ui.document import Document

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def make_view(qtbot: Any, doc: Document) -> GraphView:
    view = GraphView(doc, dark=False)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.resetTransform()
    view.centerOn(QPointF(300, 150))
    return view


@pytest.fixture
def doc(qtbot: Any) -> Document:
    return Document()  # no engine: nothing loads unless a test asks for it


@pytest.fixture
def view(qtbot: Any, doc: Document) -> GraphView:
    return make_view(qtbot, doc)


def add(doc: Document, kind: str, name: str, pos: tuple[float, float], **params: Any) -> None:
    doc.push(AddNodeCommand(doc, kind, params, pos, name=name))


def at(view: GraphView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def drag(qtbot: Any, view: GraphView, a: QPointF, b: QPointF, release: bool = True,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press at scene point ``a``, move there in steps, release at ``b``."""
    vp = view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, modifier, at(view, a))
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(vp, at(view, a + (b - a) * t))
    if release:
        qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, modifier, at(view, b))


def port(view: GraphView, node: str, direction: str, name: str) -> Any:
    return view.graph_scene.node_item(node).port_item(direction, name)


def click_node(qtbot: Any, view: GraphView, name: str,
               modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    title = view.graph_scene.node_item(name).mapToScene(QPointF(60, 10))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, at(view, title))


def test_drag_output_to_input_connects_and_undoes(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    assert view.graph_scene.edge_items() == []
    drag(qtbot, view, port(view, "x", "out", "output").scene_center(),
         port(view, "d", "in", "input").scene_center())
    assert [e.key() for e in doc.graph.edges] == [("x", "output", "d", "input")]
    [item] = view.graph_scene.edge_items()
    assert item.ref == EdgeRef("x", "output", "d", "input") and item.verdict_level == "ok"
    assert doc.undo_stack.undoText().startswith("Connect")
    doc.undo_stack.undo()
    assert doc.graph.edges == [] and view.graph_scene.edge_items() == []
    doc.undo_stack.redo()
    assert [e.ref for e in view.graph_scene.edge_items()] == [EdgeRef("x", "output", "d", "input")]


def test_drag_from_input_back_to_output_connects(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    drag(qtbot, view, port(view, "d", "in", "input").scene_center(),
         port(view, "x", "out", "output").scene_center())
    assert [e.key() for e in doc.graph.edges] == [("x", "output", "d", "input")]


def test_refused_connection_offers_suggestions_inserted_as_one_step(
        qtbot: Any, doc: Document, view: GraphView, models: dict[str, Any]) -> None:
    add(doc, "input", "ids", (0, 0), shape=(4,), dtype="int32")
    add(doc, "input", "feats", (0, 200), shape=(4,))
    add(doc, "model", "enc", (500, 60), **model_node_params(str(models["keras"])))
    before = doc.undo_stack.count()
    src, dst = port(view, "ids", "out", "output"), port(view, "enc", "in", "x")
    drag(qtbot, view, src.scene_center(), dst.scene_center(), release=False)
    assert dst.highlight == "error" and "dtype" in dst.toolTip()
    label = view.graph_scene.link._label
    assert label.isVisible() and "expects float32" in label.text()
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, dst.scene_center()))
    assert doc.graph.edges == [] and doc.undo_stack.count() == before
    assert port(view, "enc", "in", "x").highlight is None
    menu = view.graph_scene.last_suggestion_menu
    texts = [a.text() for a in menu.actions() if a.isEnabled() and not a.isSeparator()]
    assert texts == ["Insert Cast float32", "Connect anyway"]
    next(a for a in menu.actions() if a.text() == "Insert Cast float32").trigger()
    menu.close()
    cast = next(n for n in doc.graph if n.kind == "cast")
    assert {e.key() for e in doc.graph.edges} == {("ids", "output", cast.name, "input"),
                                                  (cast.name, "output", "enc", "x")}
    assert all(e.verdict_level == "ok" for e in view.graph_scene.edge_items())
    assert doc.undo_stack.count() == before + 1 and doc.undo_stack.undoText() == "Insert Cast float32"
    doc.undo_stack.undo()
    assert cast.name not in doc.graph and doc.graph.edges == []
    assert view.graph_scene.edge_items() == []


def test_live_check_colours_every_input_while_dragging(qtbot: Any, doc: Document,
                                                       view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(2, 5))
    add(doc, "reshape", "fits", (300, -60), target_shape=(10,))
    add(doc, "reshape", "wrong", (300, 120), target_shape=(3, 3))
    drag(qtbot, view, port(view, "x", "out", "output").scene_center(), QPointF(250, 300), release=False)
    assert port(view, "fits", "in", "input").highlight == "ok"
    wrong = port(view, "wrong", "in", "input")
    assert wrong.highlight == "error" and "10 values" in wrong.toolTip()
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, QPointF(250, 300)))
    assert doc.graph.edges == [] and port(view, "fits", "in", "input").highlight is None


def test_edge_turns_red_after_a_parameter_change_and_back_on_undo(doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "reshape", "r", (300, 0), target_shape=(2, 5))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "r", "input")))
    [edge] = view.graph_scene.edge_items()
    theme = view.graph_scene.theme
    assert edge.pen().color() == theme.verdict["ok"]
    doc.push(SetParamsCommand(doc, "r", {"target_shape": (3, 3)}))
    assert edge.verdict_level == "error" and edge.pen().color() == theme.verdict["error"]
    assert "10 values" in edge.toolTip()
    node = view.graph_scene.node_item("r")
    assert node.problem and node.toolTip() == doc.graph.node("r").problem
    doc.undo_stack.undo()
    assert edge.verdict_level == "ok" and edge.pen().color() == theme.verdict["ok"]
    assert node.problem is None


def test_move_snaps_to_the_grid_in_one_undo_step(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "d", "input")))
    count = doc.undo_stack.count()
    grab = view.graph_scene.node_item("d").mapToScene(QPointF(60, 10))
    drag(qtbot, view, grab, grab + QPointF(53, 27))
    assert doc.graph.node("d").position == (360.0, 20.0)
    assert doc.undo_stack.count() == count + 1 and doc.undo_stack.undoText() == "Move"
    [edge] = view.graph_scene.edge_items()
    assert edge.path().pointAtPercent(1.0) == port(view, "d", "in", "input").scene_center()
    doc.undo_stack.undo()
    assert doc.graph.node("d").position == (300.0, 0.0)
    assert view.graph_scene.node_item("d").pos() == QPointF(300, 0)


def test_click_selection_and_delete_key(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    add(doc, "output", "y", (600, 0))
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "d", "input")))
    doc.push(ConnectCommand(doc, EdgeRef("d", "output", "y", "input")))
    click_node(qtbot, view, "x")
    click_node(qtbot, view, "d", Qt.KeyboardModifier.ControlModifier)
    assert doc.selection == ["x", "d"]
    click_node(qtbot, view, "x", Qt.KeyboardModifier.ControlModifier)
    assert doc.selection == ["d"]
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert "d" not in doc.graph and doc.graph.edges == [] and view.graph_scene.edge_items() == []
    doc.undo_stack.undo()
    assert {e.key() for e in doc.graph.edges} == {("x", "output", "d", "input"),
                                                  ("d", "output", "y", "input")}
    assert len(view.graph_scene.edge_items()) == 2
    edge = next(e for e in view.graph_scene.edge_items() if e.ref.dst == "y")
    mid = edge.path().pointAtPercent(0.5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=at(view, mid))
    assert edge.selected and edge.pen().color() == view.graph_scene.theme.selection
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [e.key() for e in doc.graph.edges] == [("x", "output", "d", "input")]
    assert len(doc.graph) == 3


def test_rubber_band_selects_nodes(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    add(doc, "output", "y", (600, 300))
    drag(qtbot, view, QPointF(-40, -40), QPointF(520, 120))
    assert doc.selection == ["x", "d"]


def test_copy_paste_and_duplicate(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    add(doc, "dense", "d", (300, 0), units=4)
    doc.push(ConnectCommand(doc, EdgeRef("x", "output", "d", "input")))
    view.select_all()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert ("x_1", "output", "d_1", "input") in [e.key() for e in doc.graph.edges]
    assert doc.graph.node("d_1").params["units"] == 4
    assert doc.graph.node("d_1").position == (340.0, 40.0)
    assert doc.selection == ["x_1", "d_1"]
    assert len(view.graph_scene.edge_items()) == 2
    doc.undo_stack.undo()
    assert len(doc.graph) == 2 and len(view.graph_scene.edge_items()) == 1
    view.graph_scene.select_names(["d"])
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert doc.selection == ["d_1"] and len(doc.graph) == 3
    view.graph_scene.select_names(["x"])
    view.cut()
    assert "x" not in doc.graph
    view.paste()
    assert "x" in doc.graph and doc.graph.node("x").params["shape"] == (10,)


def drop(view: GraphView, mime: QMimeData, scene_pos: QPointF) -> bool:
    """Drag ``mime`` over the view and drop it (Qt delivers a drop only after an enter)."""
    pos = at(view, scene_pos)
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)
    return True


def test_every_palette_kind_has_valid_default_params() -> None:
    from modelgraft.nodes import CATALOG

    for kind in CATALOG.kinds():
        if kind.family != "model":
            CATALOG.normalize_params(kind.name, default_params(kind.name))


def test_palette_drop_adds_a_node_with_default_params(doc: Document, view: GraphView) -> None:
    mime = QMimeData()
    mime.setData(MIME_KIND, b"reshape")
    assert drop(view, mime, QPointF(200, 100))
    node = doc.graph.node("reshape")
    assert node.params["target_shape"] == (-1,)
    assert node.position == (120.0, 80.0) and doc.selection == ["reshape"]


def test_dropped_keras_file_gets_inputs_at_once_and_outputs_after_loading(
        qtbot: Any, models: dict[str, Any], tmp_path: Path) -> None:
    doc = Document(EngineBridge())
    view = make_view(qtbot, doc)
    messages: list[str] = []
    doc.message.connect(messages.append)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(models["keras"]))])
    assert drop(view, mime, QPointF(200, 100))
    item = view.graph_scene.node_item("a")
    assert [p.name for p in item.inputs] == ["x"]
    assert item.port_item("out", "out").toolTip() == "out: …"
    assert item.loading
    qtbot.waitUntil(lambda: not doc.loading, timeout=60000)
    assert item.port_item("out", "out").toolTip() == "out: (None, 3) float32"
    assert not item.loading and messages == []
    texts = [t.text.text() for t in item._texts]
    assert ".keras · 51 params" in texts and "frozen" not in texts
    doc.push(SetParamsCommand(doc, "a", {"trainable": False}))
    assert "frozen" in [t.text.text() for t in item._texts]
    text = QMimeData()
    text.setText("hello")
    assert not drop(view, text, QPointF(0, 0))
    bad = tmp_path / "notes.h5"
    bad.write_text("not a model")
    mime.setUrls([QUrl.fromLocalFile(str(bad))])
    assert drop(view, mime, QPointF(200, 400))
    assert len(doc.graph) == 1 and len(messages) == 1 and "notes.h5" in messages[0]


def test_wheel_zooms_around_the_cursor(qtbot: Any, view: GraphView) -> None:
    cursor = QPointF(300, 200)
    fixed = view.mapToScene(cursor.toPoint())
    event = QWheelEvent(cursor, QPointF(view.viewport().mapToGlobal(cursor.toPoint())), QPoint(),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom == pytest.approx(1.25)
    moved = view.mapFromScene(fixed) - cursor.toPoint()
    assert abs(moved.x()) <= 1 and abs(moved.y()) <= 1


def test_opened_project_is_drawn_and_laid_out_without_becoming_dirty(
        doc: Document, view: GraphView) -> None:
    doc.open(EXAMPLES / "s3_image_text" / "project.mgraft")
    scene = view.graph_scene
    assert sorted(i.name for i in scene.node_items()) == sorted(n.name for n in doc.graph)
    assert {e.ref for e in scene.edge_items()} == {EdgeRef.of(e) for e in doc.graph.edges}
    assert len({n.position for n in doc.graph}) == len(doc.graph) and not doc.dirty
    rects = [i.sceneBoundingRect() for i in scene.node_items()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert ".keras · 368 params" in [t.text.text() for t in scene.node_item("cnn")._texts]
    doc.new()
    assert scene.node_items() == [] and scene.edge_items() == []
    add(doc, "input", "x", (0, 0), shape=(3,))
    assert [i.name for i in scene.node_items()] == ["x"]
    view.close_document()
    add(doc, "input", "z", (0, 0), shape=(3,))
    assert [i.name for i in scene.node_items()] == []


def _centre(view: GraphView) -> QPointF:
    return view.mapToScene(view.viewport().rect().center())


def test_middle_drag_pans_the_view(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    view.graph_scene.setSceneRect(-5000, -5000, 10000, 10000)
    before = _centre(view)
    vp = view.viewport()
    start = QPoint(600, 400)
    qtbot.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, start)
    for dx in (40, 80, 120):
        qtbot.mouseMove(vp, start + QPoint(dx, dx // 2))
    qtbot.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                       start + QPoint(120, 60))
    moved = before - _centre(view)
    assert abs(moved.x() - 120) < 2 and abs(moved.y() - 60) < 2, moved
    assert doc.graph.node("x").position == (0.0, 0.0), "panning moves the view, not the nodes"


def test_space_drag_pans_instead_of_moving_a_node(qtbot: Any, doc: Document, view: GraphView) -> None:
    add(doc, "input", "x", (0, 0), shape=(10,))
    view.graph_scene.setSceneRect(-5000, -5000, 10000, 10000)
    before = _centre(view)
    vp = view.viewport()
    on_node = at(view, QPointF(60, 10))
    view.setFocus()
    qtbot.keyPress(view, Qt.Key.Key_Space)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, on_node)
    for dx in (25, 50, 75, 100):
        qtbot.mouseMove(vp, on_node + QPoint(dx, 0))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, on_node + QPoint(100, 0))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    assert abs((before - _centre(view)).x() - 100) < 2
    assert doc.graph.node("x").position == (0.0, 0.0)
    assert [doc.undo_stack.command(i).text() for i in range(doc.undo_stack.count())] == ["Add input 'x'"]


def test_pinch_zooms_around_the_fingers(qtbot: Any, view: GraphView) -> None:
    from PySide6.QtGui import QNativeGestureEvent, QPointingDevice

    where = QPointF(300, 200)
    fixed = view.mapToScene(where.toPoint())
    zoom = view.zoom
    event = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture, QPointingDevice.primaryPointingDevice(),
                                2, where, where, view.viewport().mapToGlobal(where), 0.25, QPointF(), 0)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom == pytest.approx(zoom * 1.25, rel=0.01)
    after = view.mapToScene(where.toPoint())
    assert abs(after.x() - fixed.x()) < 3 and abs(after.y() - fixed.y()) < 3
