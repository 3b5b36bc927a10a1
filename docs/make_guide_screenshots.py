"""Render the user guide's screenshots (``docs/screenshots/guide-*.png``) with the real workbench.

Run ``make screenshots`` (or ``python docs/make_guide_screenshots.py [--out DIR]``).

The overview is made by ``modelgraft gui PROJECT --screenshot PNG`` itself. The other steps
need a window in a state a plain project cannot show (an edge being dragged, the menu of a
refused connection, curves after training, a dialog), so this script builds the real
:class:`~modelgraft.ui.main_window.MainWindow` offscreen the way ``modelgraft gui`` does and
drives it as a user would: files dropped on the canvas, a port dragged with the mouse, the
suggestion clicked, data bound in the inspector, Run ▸ Train triggered and awaited, File ▸
Export run and its dialog shown. Every image is 1440 × 900 (the window; menus and dialogs
are painted where they pop up) and stored as an 8-bit palette PNG.

The project is built from the bundled example S4's files (copied to a temporary folder) and
training is seeded, so the images come out the same from run to run, up to the timings, run
ids and temporary paths they show. It takes about half a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
from modelgraft.engine.runtime import quiet_tensorflow
from modelgraft.examples import example
from modelgraft.ui.app import SCREENSHOT_SIZE, create_application
from modelgraft.ui.bridge import EngineBridge
from modelgraft.ui.canvas.defaults import MIME_KIND
from modelgraft.ui.document import Document
from modelgraft.ui.main_window import MainWindow
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QMessageBox,
    QWidget,
)

DOCS = Path(__file__).resolve().parent
OUT = DOCS / "screenshots"
TIMEOUT_S = 300.0
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier

# Where the walkthrough's nodes go (scene coordinates of their top-left corners): model_b left
# of the canvas centre, so the verdict beside its input and the menu of fixes fit in the window.
CORNERS = {"x": (0, 0), "model_a": (240, 0), "model_b": (560, 260), "y": (1000, 60)}
# After the fix is inserted the nodes are dragged into one left-to-right flow.
TIDY = {"model_b": (780, 240), "y": (1060, 100)}
ADAPTER_CORNER = (520, 140)
SCREEN = {"screens": [{"name": "guide", "x": 0, "y": 0, "width": 1920, "height": 1200,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}


def at_corner(name: str) -> QPointF:
    """The drop point that puts node ``name``'s corner at :data:`CORNERS` (views place a
    dropped node's title under the pointer)."""
    x, y = CORNERS[name]
    return QPointF(x + 80, y + 14)


# ---------------------------------------------------------------------- waiting, grabbing, saving

def wait(done: Callable[[], bool], what: str, timeout_s: float = TIMEOUT_S) -> None:
    """Process events until ``done()``; a step that never finishes stops the script with ``what``."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"make_guide_screenshots: timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


def settle(window: MainWindow) -> None:
    """Let loading, the engine and the debounced panels finish, then repaint."""
    wait(lambda: not window.doc.loading and not window.bridge.busy, "the engine to go idle")
    deadline = time.monotonic() + 0.4  # the Problems panel refreshes 120 ms after a change
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def grab(window: MainWindow, popups: Iterable[QWidget] = ()) -> QImage:
    """The window as the user sees it, with open menus and dialogs painted where they are."""
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for popup in popups:
        painter.drawPixmap(window.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    return image


def save(image: QImage, path: Path) -> None:
    """Write ``image`` as an 8-bit palette PNG: its 256 most frequent colours, the rest mapped
    to the nearest of them (screenshots are mostly flat colours, so text stays crisp)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = np.frombuffer(rgb.constBits(), np.uint32, rgb.width() * rgb.height())
    colours, counts = np.unique(pixels, return_counts=True)
    table = [int(c) for c in colours[np.argsort(-counts, kind="stable")[:256]]]
    indexed = rgb.convertToFormat(QImage.Format.Format_Indexed8, table,
                                  Qt.ImageConversionFlag.ThresholdDither)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not indexed.save(str(path), "PNG", 0):
        raise SystemExit(f"make_guide_screenshots: cannot write '{path}'")
    print(f"wrote {path.relative_to(DOCS.parent) if path.is_relative_to(DOCS.parent) else path} "
          f"({path.stat().st_size // 1024} KiB)")


def requantize(path: Path) -> None:
    """Store a PNG the app wrote (``--screenshot``) as a palette PNG like the others."""
    save(QImage(str(path)), path)


# ---------------------------------------------------------------------- driving the window

def scene_point(window: MainWindow, pos: QPointF) -> QPoint:
    """Viewport pixels of a scene position."""
    return window.view.mapFromScene(pos)


def drop(window: MainWindow, mime: QMimeData, pos: QPointF) -> None:
    """Drag ``mime`` onto the canvas and drop it at scene position ``pos``."""
    viewport = window.view.viewport()
    at = scene_point(window, pos)
    QApplication.sendEvent(viewport, QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, LEFT, NO_MOD))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD))


def drop_file(window: MainWindow, path: Path, pos: QPointF) -> None:
    """Drop a file from the file manager on the canvas."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop(window, mime, pos)


def drop_kind(window: MainWindow, kind: str, pos: QPointF) -> None:
    """Drop a node kind from the palette on the canvas."""
    mime = QMimeData()
    mime.setData(MIME_KIND, kind.encode())
    drop(window, mime, pos)


def type_into(field: QLineEdit | QAbstractSpinBox, text: str) -> None:
    """Replace a field's text by typing ``text``, then press Enter."""
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)
    (field if isinstance(field, QLineEdit) else field.lineEdit()).deselect()
    QApplication.processEvents()


def port_centre(window: MainWindow, node: str, direction: str, port: str) -> QPointF:
    """Scene position of a port's dot (``direction`` is ``"in"`` or ``"out"``)."""
    return window.view.graph_scene.node_item(node).port_item(direction, port).scene_center()


def drag_node(window: MainWindow, name: str, corner: tuple[float, float]) -> None:
    """Drag node ``name`` by its title until its top-left corner is at ``corner``."""
    item = window.view.graph_scene.node_item(name)
    grip = item.scenePos() + QPointF(40, 10)
    end = QPointF(*corner) + QPointF(40, 10)
    drag(window, grip, end, release=True)


def drag(window: MainWindow, start: QPointF, end: QPointF, release: bool) -> None:
    """Press at ``start`` (a port, or a node's title), move in steps to ``end`` and
    (optionally) release there."""
    viewport = window.view.viewport()
    QTest.mousePress(viewport, LEFT, NO_MOD, scene_point(window, start))
    for step in range(1, 11):
        QTest.mouseMove(viewport, scene_point(window, start + (end - start) * (step / 10)))
    if release:
        QTest.mouseRelease(viewport, LEFT, NO_MOD, scene_point(window, end))
    QApplication.processEvents()


def answer_boxes(name: str, button: str, shot: Callable[[QMessageBox], None]) -> Callable[[], None]:
    """When a modal box named ``name`` comes up, pass it to ``shot`` and click its ``button``.

    Returns:
        A function that stops watching.
    """
    timer = QTimer(QApplication.instance())

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == name and box.isVisible():
            timer.stop()
            shot(box)
            next(b for b in box.buttons() if b.text().replace("&", "") == button).click()

    timer.timeout.connect(poll)
    timer.start(50)
    return timer.stop


class Walkthrough:
    """The guide's steps on one window, in order; each writes one screenshot."""

    def __init__(self, out: Path, work: Path) -> None:
        self.out = out
        self.work = work
        self.settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        doc = Document(EngineBridge())
        self.window = MainWindow(doc, doc.bridge, settings=self.settings, recovery_dir=work / "recovery")
        self.window.resize(SCREENSHOT_SIZE)
        self.window.show()
        QApplication.processEvents()
        self.project = work / "my_graft"
        self.target = QPointF()  # where the refused connection is released
        source = example("S4").parent
        for folder in ("models", "data"):
            shutil.copytree(source / folder, self.project / folder)

    @property
    def doc(self) -> Document:
        return self.window.doc

    def shot(self, name: str, popups: Iterable[QWidget] = ()) -> None:
        save(grab(self.window, popups), self.out / f"guide-{name}.png")

    def open_example_menu(self) -> None:
        """File ▸ Open Example, with S10 under the pointer."""
        w = self.window
        bar = w.menuBar()
        file_action = next(a for a in bar.actions() if a.text() == "&File")
        file_menu = file_action.menu()
        file_menu.popup(bar.mapToGlobal(bar.actionGeometry(file_action).bottomLeft()))
        examples = w.menu_actions.examples_menu
        file_menu.setActiveAction(examples.menuAction())
        examples.popup(file_menu.mapToGlobal(file_menu.actionGeometry(examples.menuAction()).topRight()))
        s10 = next(a for a in examples.actions() if a.text().startswith("S10 "))
        examples.setActiveAction(s10)
        QApplication.processEvents()
        self.shot("open-example", [file_menu, examples])
        examples.close()
        file_menu.close()

    def drop_models(self) -> None:
        """A new project: Input and Output from the palette, named and shaped in the inspector;
        two model files dropped from the file manager."""
        w = self.window
        w.save_as(self.project / "my_graft.mgraft")
        for kind, name, shape in (("input", "x", "8"), ("output", "y", None)):
            drop_kind(w, kind, at_corner(name))
            view = w.inspector.view
            assert view is not None, f"the inspector shows no {kind} node"
            type_into(view.name, name)
            if shape is not None:
                type_into(w.inspector.editor("shape").control, shape)
        drop_file(w, self.project / "models" / "model_a.keras", at_corner("model_a"))
        drop_file(w, self.project / "models" / "model_b.keras", at_corner("model_b"))
        settle(w)
        w.view.fit()
        w.view.graph_scene.select_names(["model_a"])
        settle(w)
        self.shot("drop-models")

    def live_check(self) -> None:
        """x → model_a connected; model_a's output dragged onto model_b's input: red."""
        w = self.window
        w.view.graph_scene.clear_selection()
        drag(w, port_centre(w, "x", "out", "output"), port_centre(w, "model_a", "in", "model_a_in"),
             release=True)
        settle(w)
        self.target = port_centre(w, "model_b", "in", "model_b_in")
        drag(w, port_centre(w, "model_a", "out", "a_out"), self.target, release=False)
        self.shot("live-check")

    def suggestions(self) -> None:
        """Release on the red port: the menu of fixes; the first one is chosen."""
        w = self.window
        QTest.mouseRelease(w.view.viewport(), LEFT, NO_MOD, scene_point(w, self.target))
        menu = w.view.graph_scene.last_suggestion_menu
        wait(lambda: menu is not None and menu.isVisible(), "the suggestion menu")
        fix = next(a for a in menu.actions() if a.text().startswith("Insert "))
        menu.setActiveAction(fix)
        QApplication.processEvents()
        self.shot("suggestions", [menu])
        fix.trigger()
        menu.close()
        adapter = next(n.name for n in self.doc.graph if n.kind == "expand_dims")
        for name, corner in (*TIDY.items(), (adapter, ADAPTER_CORNER)):
            drag_node(w, name, corner)
        drag(w, port_centre(w, "model_b", "out", "b_out"), port_centre(w, "y", "in", "input"),
             release=True)
        settle(w)

    def bind_data(self) -> None:
        """x and y bound to columns of data/table.csv in the inspector's Data section; the
        validation split and training settings typed into the project page."""
        w = self.window
        w.view.graph_scene.clear_selection()
        QApplication.processEvents()
        page = w.inspector.project_settings
        assert page is not None, "the inspector shows no project page"
        for setting, text in (("split_fraction", "0.2"), ("epochs", "12"), ("learning_rate", "0.003"),
                              ("seed", "0")):
            type_into(page.editor(setting).control, text)
        table = self.project / "data" / "table.csv"
        for node, columns in (("y", "y0, y1, y2"), ("x", ", ".join(f"x{i}" for i in range(8)))):
            w.view.graph_scene.select_names([node])
            QApplication.processEvents()
            section = w.inspector.data_section
            assert section is not None, f"the inspector shows no data section for '{node}'"
            section.choose_source(str(table))  # what the File… dialog does with the file chosen
            type_into(section.key, columns)
            section.key.home(False)  # show the first columns, as after clicking elsewhere
        w.save()
        w.view.fit()
        settle(w)
        self.shot("bind-data")

    def train(self) -> None:
        """Run ▸ Train (F5) with the project's settings: the Training dock's curves and the run in
        the Runs dock (widened, as by dragging the edge between the two)."""
        w = self.window
        w.view.graph_scene.clear_selection()
        finished: list[object] = []
        w.training.controller.run_finished.connect(finished.append)
        w.menu_actions.train.trigger()
        wait(lambda: bool(finished), "the training run")
        wait(lambda: w.training.runs.table.rowCount() == 1, "the runs list")
        w.resizeDocks([w.training.training_dock, w.training.runs_dock], [560, 360],
                      Qt.Orientation.Horizontal)
        w.training.panel.flush()
        settle(w)
        self.shot("training")

    def export(self) -> None:
        """File ▸ Export ▸ Keras .keras…: verified on the engine thread, then the result dialog."""
        w = self.window
        results: list[object] = []
        w.export_finished.connect(results.append)
        w.export("keras", self.project / "my_graft.keras")
        wait(lambda: bool(results), "the export")
        dialog = next(d for d in w.findChildren(QMessageBox) if d.isVisible())
        QApplication.processEvents()
        self.shot("export", [dialog])
        dialog.close()

    def trust(self) -> None:
        """A model file with a Lambda layer is dropped: the trust question."""
        w = self.window
        path = self.work / "scaled.keras"
        _save_lambda_model(path)
        shots: list[QImage] = []
        stop = answer_boxes("TrustModel", "Cancel", lambda box: shots.append(grab(w, [box])))
        try:
            drop_file(w, path, QPointF(600, 320))
            wait(lambda: bool(shots), "the trust question")
        finally:
            stop()
        save(shots[0], self.out / "guide-trust.png")

    def relink(self) -> None:
        """model_b's file moved away: the Problems panel offers Relink…"""
        w = self.window
        w.save()
        (self.project / "models" / "model_b.keras").rename(self.work / "model_b.keras")
        w.load(self.project / "my_graft.mgraft")
        settle(w)
        w.problems_dock.raise_()
        w.view.graph_scene.select_names(["model_b"])
        settle(w)
        self.shot("relink")

    def close(self) -> None:
        self.doc.undo_stack.setClean()
        self.window.close()


def _save_lambda_model(path: Path) -> None:
    """A tiny Keras model with a Lambda layer (code that runs when it loads), saved to ``path``."""
    from modelgraft.engine import runtime

    def build() -> None:
        keras = runtime.keras()
        x = keras.Input((8,), name="x")
        y = keras.layers.Lambda(lambda t: t * 2.0, name="double")(keras.layers.Dense(4, name="dense")(x))
        keras.Model(x, y, name="scaled").save(path)

    runtime.run(build)


def overview(out: Path) -> None:
    """The bundled S10 example, rendered by ``modelgraft gui PROJECT --screenshot PNG``."""
    target = out / "guide-overview.png"
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    subprocess.run([sys.executable, "-m", "modelgraft", "gui", str(example("S10")), "--screenshot",
                    str(target)], env=env, check=True)
    requantize(target)


def main(argv: list[str] | None = None) -> int:
    """Render every screenshot of the guide into ``--out`` (default ``docs/screenshots``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNGs (default {OUT})")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    overview(out)
    with tempfile.TemporaryDirectory(prefix="modelgraft-guide-") as tmp:
        if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
            # a screen larger than the window, so menus pop up where they do on a desktop
            screen = Path(tmp) / "screen.json"
            screen.write_text(json.dumps(SCREEN))
            os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen}"
        quiet_tensorflow()
        create_application()
        tour = Walkthrough(out, Path(tmp))
        try:
            tour.open_example_menu()
            tour.drop_models()
            tour.live_check()
            tour.suggestions()
            tour.bind_data()
            tour.train()
            tour.export()
            tour.trust()
            tour.relink()
        finally:
            tour.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
