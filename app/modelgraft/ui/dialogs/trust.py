"""The question asked before a model file that would run code is loaded: trust it or not."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:
    from ...io import Finding

__all__ = ["ask_trust"]

_SHOWN = 5


def ask_trust(parent: QWidget | None, path: str, findings: list[Finding], sha256: str) -> bool:
    """Show exactly what the pre-load scan found in ``path`` and ask whether to load it.

    The box (object name ``TrustModel``) lists the findings, names the file's SHA-256 the
    answer is remembered for, and defaults to Cancel.

    Returns:
        True if the user chose "Trust and Load".
    """
    name = Path(path).name or path
    box = QMessageBox(QMessageBox.Icon.Warning, "Trust this model file?",
                      f"'{name}' would run code or reach outside the file when it is loaded.",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("TrustModel")
    lines = [f"• {f.message}" for f in findings[:_SHOWN]]
    if len(findings) > _SHOWN:
        lines.append(f"• … and {len(findings) - _SHOWN} more (Show Details)")
    box.setInformativeText(
        "\n".join(lines) + "\n\nLoad it only if you trust where it came from. Your answer is "
        f"remembered for this exact file (SHA-256 {sha256[:12]}…); if the file changes, "
        "ModelGraft asks again.")
    box.setDetailedText("\n".join([f"{path}", f"SHA-256 {sha256}", ""]
                                  + [f"{f.code:<10} {f.path}: {f.message}" for f in findings]))
    trust = box.addButton("Trust and Load", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is trust
