"""Which model files the user trusts, remembered per file content (SHA-256) across sessions.

A model file with pre-load findings (code that would run, files that would be touched)
loads only after the user said yes to exactly that content: the answer is kept in the
application settings under the file's SHA-256, so a changed file asks again, and a project
from someone else that merely says ``trusted: true`` cannot skip the question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from ..io import sha256_file
from .dialogs.trust import ask_trust

if TYPE_CHECKING:
    from ..io import Finding

__all__ = ["TrustGate", "TrustReview"]

_GROUP = "trusted-models"


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
        from ..io.prescan import prescan

        findings = prescan(path)
        if not findings:
            return TrustReview("safe")
        sha = sha256_file(path)
        if self.is_trusted(sha) or ask_trust(self.parent, path, findings, sha):
            self.remember(sha, path)
            return TrustReview("trusted", sha, findings)
        return TrustReview("declined", sha, findings)
