"""``modelgraft gui [PROJECT] [--screenshot PNG]``: start the workbench.

The window is shown before anything imports TensorFlow: only the engine thread imports it,
when the first model loads. With ``--screenshot`` the app opens the project, waits until
every model has loaded, fits the view, renders the window to a PNG and exits.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import (
    QCoreApplication,
    QMessageLogContext,
    QSettings,
    QSize,
    QtMsgType,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication, QIcon, QImage
from PySide6.QtWidgets import QApplication

from .. import __version__
from ..core.errors import ModelGraftError
from .bridge import EngineBridge
from .canvas.defaults import MIME_SUBGRAPH
from .document import Document
from .main_window import MainWindow

__all__ = ["APP_ID", "SCREENSHOT_SIZE", "app_icon", "create_application", "main", "render", "run",
           "wait_until_idle"]

SCREENSHOT_SIZE = QSize(1440, 900)
WINDOW_SIZE = QSize(1440, 900)
IDLE_TIMEOUT_S = 300.0
APP_ID = "io.github.modelgraft.ModelGraft"  # names the .desktop file, the AppStream id and the icon
ICON_THEMES = (
    Path(__file__).resolve().parents[3] / "resources" / "icons" / "hicolor",  # checkout, bundle
    Path(sys.prefix) / "share" / "icons" / "hicolor",  # `pip install .` (the wheel's data files)
)


def _quiet_offscreen(_mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    """Drop the offscreen platform's "This plugin does not support …" notes; print the rest."""
    if message.startswith("This plugin does not support"):
        return
    print(message, file=sys.stderr)


def release_clipboard() -> None:
    """Drop a sub-graph this app left on the clipboard (it means nothing to other programs).

    PySide6 6.11 crashes at interpreter exit when the clipboard still holds a QMimeData
    set from Python (seen on the offscreen platform), so it is cleared while Qt still runs.
    """
    clipboard = QGuiApplication.clipboard()
    data = clipboard.mimeData()
    if data is not None and data.hasFormat(MIME_SUBGRAPH):
        clipboard.clear()


def app_icon() -> QIcon:
    """The application icon: every PNG size of the first ``hicolor`` tree that has it, else the theme's."""
    for hicolor in ICON_THEMES:
        files = sorted(hicolor.glob(f"*/apps/{APP_ID}.png"))
        if files:
            icon = QIcon()
            for file in files:
                icon.addFile(str(file))
            return icon
    return QIcon.fromTheme(APP_ID)


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (created once), named so settings and app data have a home."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(list(argv or [sys.argv[0]]))
        if app.platformName() == "offscreen":
            qInstallMessageHandler(_quiet_offscreen)
        app.aboutToQuit.connect(release_clipboard)
    QCoreApplication.setOrganizationName("ModelGraft")
    QCoreApplication.setApplicationName("ModelGraft")
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    return app


def wait_until_idle(window: MainWindow, timeout_s: float = IDLE_TIMEOUT_S) -> bool:
    """Process events until no model is loading and the engine is idle; ``False`` on timeout."""
    deadline = time.monotonic() + timeout_s
    while window.doc.loading or window.bridge.busy:
        if time.monotonic() > deadline:
            return False
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    return True


def render(window: MainWindow, path: str | Path, size: QSize = SCREENSHOT_SIZE) -> QImage:
    """Fit the canvas and render the whole window (offscreen too) to a PNG; returns the image."""
    if window.size().width() < size.width() or window.size().height() < size.height():
        window.resize(size)
    QApplication.processEvents()
    window.view.fit()
    QApplication.processEvents()
    image = window.grab().toImage()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise ModelGraftError(f"screenshot '{path}' cannot be written")
    return image


def _choose_platform(screenshot: bool) -> None:
    """Render offscreen for a screenshot on a machine without a display; refuse a window there.

    Without this, Qt aborts the process when it finds no display.
    """
    if os.environ.get("QT_QPA_PLATFORM") or QApplication.instance() is not None:
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        if not screenshot:
            raise ModelGraftError("there is no display to open the workbench on (DISPLAY and "
                                  "WAYLAND_DISPLAY are unset); use --screenshot PNG, or the "
                                  "check/export/train commands")
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def run(project: str | None = None, screenshot: str | None = None,
        on_shown: Callable[[], None] | None = None) -> int:
    """Show the workbench (optionally on ``project``) and run the event loop; returns the exit status.

    Args:
        project: A ``.mgraft`` file to open.
        screenshot: Render the window to this PNG once loading is done, then exit.
        on_shown: Called once the window is first shown (for the start-up benchmark).

    Raises:
        ProjectFileError: in screenshot mode, the project cannot be read.
        ModelGraftError: there is no display to open a window on.
    """
    _choose_platform(screenshot is not None)
    app = create_application()
    bridge = EngineBridge()
    doc = Document(bridge)
    if screenshot:
        settings = QSettings(str(Path(tempfile.mkdtemp(prefix="modelgraft-")) / "settings.ini"),
                             QSettings.Format.IniFormat)
        window = MainWindow(doc, bridge, settings=settings)
        if project:
            doc.open(project)  # raises: the CLI prints one line and exits 2
        window.resize(SCREENSHOT_SIZE)
    else:
        window = MainWindow(doc, bridge)
        window.resize(WINDOW_SIZE.boundedTo(app.primaryScreen().availableSize()).expandedTo(SCREENSHOT_SIZE))
        window.restore_layout()
    window.show()
    if on_shown is not None:
        QTimer.singleShot(0, on_shown)
    if screenshot:
        QTimer.singleShot(0, lambda: _screenshot(window, screenshot))
    else:
        QTimer.singleShot(0, lambda: _start(window, project))
    return app.exec()


def _start(window: MainWindow, project: str | None) -> None:
    window.autosave.start()
    if window.offer_recovery() or not project:
        return
    if not window.load(project):
        window.doc.new()


def _screenshot(window: MainWindow, path: str) -> None:
    if not wait_until_idle(window):
        print(f"modelgraft: error: loading '{window.doc.title}' did not finish in time", file=sys.stderr)
        QApplication.exit(1)
        return
    render(window, path)
    window.doc.undo_stack.setClean()
    window.close()
    QApplication.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m modelgraft.ui.app [PROJECT] [--screenshot PNG]``; prefer ``modelgraft gui``."""
    parser = argparse.ArgumentParser(prog="modelgraft gui", description="Open the ModelGraft workbench.")
    parser.add_argument("project", nargs="?", help=".mgraft project file to open")
    parser.add_argument("--screenshot", metavar="PNG", help="render the window to PNG once loaded, then exit")
    args = parser.parse_args(argv)
    try:
        return run(args.project, args.screenshot)
    except ModelGraftError as err:
        print(f"modelgraft: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
