"""Small dialogs of the workbench: About, Keyboard Shortcuts, export result."""

from __future__ import annotations

from .about import show_about
from .export_result import ExportResultDialog
from .shortcuts import ShortcutsDialog, shortcut_rows

__all__ = ["ExportResultDialog", "ShortcutsDialog", "shortcut_rows", "show_about"]
