"""Which model files the user trusts, remembered per file content (SHA-256) across sessions.

A model file with pre-load findings (code that would run, files that would be touched)
loads only after the user said yes to exactly that content: the answer is kept in the
application settings under the file's SHA-256, so a changed file asks again, and a project
from someone else that merely says ``trusted: true`` cannot skip the question.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from ..io import sha256_file
from .dialogs.trust import ask_trust

if TYPE_CHECKING:
    from ..io import Finding

__all__ = ["TrustGate", "TrustReview"]

_GROUP = "trusted-models"
_QUICK_S = 0.05  # a scan this quick finishes without spinning the event loop
_POLL_MS = 15


@dataclass(frozen=True)
class TrustReview:
    """The outcome of reviewing one model file.

    Attributes:
        status: ``safe`` (nothing found: no trust needed), ``trusted`` (findings the user
            accepted now or before) or ``declined``.
        sha256: The file's SHA-256 when it has findings, else ``None``.
        findings: What the pre-load scan found.
    """

    status: Literal["safe", "trusted", "declined"]
    sha256: str | None = None
    findings: list[Finding] = field(default_factory=list)


class TrustGate:
    """Asks before a model file with findings loads, and remembers the answer per SHA-256.

    Args:
        settings: Where the trusted hashes are kept.
        parent: The window the question is asked over.
    """

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        self.settings = settings
        self.parent = parent

    def is_trusted(self, sha256: str) -> bool:
        """Whether the file content with this SHA-256 was trusted before."""
        return self.settings.contains(f"{_GROUP}/{sha256}")

    def remember(self, sha256: str, path: str) -> None:
        """Trust this file content from now on (the path is kept for the user's reference)."""
        self.settings.setValue(f"{_GROUP}/{sha256}", path)
        self.settings.sync()

    def review(self, path: str) -> TrustReview:
        """Scan ``path`` and, if it has findings not trusted before, ask the user.

        Raises:
            ModelFileError: the file is unreadable or crafted beyond trust (see
                :func:`modelgraft.io.prescan.prescan`).
        """
        findings, sha = _scan_aside(path)
        if not findings:
            return TrustReview("safe")
        if self.is_trusted(sha) or ask_trust(self.parent, path, findings, sha):
            self.remember(sha, path)
            return TrustReview("trusted", sha, findings)
        return TrustReview("declined", sha, findings)


def _scan_aside(path: str) -> tuple[list[Finding], str]:
    """The pre-load scan (and, if it finds anything, the file's SHA-256) in a worker thread.

    Scanning can take a moment (an ``.h5`` file is read in a bounded child process first,
    a large SavedModel graph takes a few hundred milliseconds), so the event loop keeps
    running meanwhile, with a busy cursor, like it does under a dialog.

    Raises:
        ModelFileError: what :func:`modelgraft.io.prescan.prescan` raises.
    """
    from ..io.prescan import prescan

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            findings = prescan(path)
            outcome["result"] = (findings, sha256_file(path) if findings else "")
        except BaseException as err:  # noqa: BLE001 - handed to the GUI thread as it is
            outcome["error"] = err

    worker = threading.Thread(target=work, name="modelgraft-prescan", daemon=True)
    worker.start()
    worker.join(_QUICK_S)
    if worker.is_alive():
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(_POLL_MS)
        poll.timeout.connect(lambda: worker.is_alive() or loop.quit())
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        try:
            poll.start()
            loop.exec()
        finally:
            poll.stop()
            QGuiApplication.restoreOverrideCursor()
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
