"""Help ▸ About: the version and what the application is for."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtWidgets import QMessageBox, QWidget

from ... import __version__

__all__ = ["about_text", "show_about"]


def about_text() -> str:
    """The About box's rich text."""
    return (
        f"<h3>ModelGraft {__version__}</h3>"
        "<p>A workbench for grafting trained Keras models together: load models as nodes, "
        "connect them through adapters and merges with live shape checking, and export the "
        "composite as a <code>.keras</code> file, a SavedModel or a Python script.</p>"
        f"<p style='color:gray'>Python {platform.python_version()} · PySide6 {pyside_version} · "
        "Apache-2.0</p>")


def show_about(parent: QWidget | None) -> None:
    """Show the About box (modal)."""
    QMessageBox.about(parent, "About ModelGraft", about_text())
