"""The small dialog shown after an export: where it went and how it was verified."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

__all__ = ["ExportResultDialog"]

_FORMATS = {"keras": "Keras .keras file", "savedmodel": "SavedModel", "python": "Python script"}


class ExportResultDialog(QMessageBox):
    """Tells the user an export finished: the target, the format and the verify result."""

    def __init__(self, path: str, fmt: str, message: str, verified: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export finished")
        self.setIcon(QMessageBox.Icon.Information if verified else QMessageBox.Icon.Warning)
        self.setText(f"Exported {_FORMATS.get(fmt, fmt)} to {Path(path).name}.")
        self.setInformativeText(f"{message[:1].upper()}{message[1:]}.\n\n{path}")
        self.path = path
        folder = self.addButton("Show Folder", QMessageBox.ButtonRole.ActionRole)
        folder.clicked.connect(self._show_folder)
        self.addButton(QMessageBox.StandardButton.Ok)

    def _show_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.path).parent)))
