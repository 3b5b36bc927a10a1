"""The bundled example projects, one per scenario S1–S12 (models, data and project file each).

In a source checkout they are ``resources/examples/``; an installed package carries them as
package data in ``modelgraft/example_projects/`` (pyproject.toml maps one to the other).
``resources/make_examples.py`` regenerates them. Pure Python: no TensorFlow, no Qt.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .core.errors import ModelGraftError

__all__ = ["DEMO", "PROJECT_FILE", "copy_example", "example", "examples_dir", "list_examples"]

PROJECT_FILE = "project.mgraft"
"""The project file's name inside each example folder."""

DEMO = "s10_two_datasets"
"""The example ``make demo`` and ``modelgraft demo`` open: two models, two datasets."""

_PACKAGED = Path(__file__).resolve().parent / "example_projects"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "resources" / "examples"


def examples_dir() -> Path:
    """The folder holding one sub-folder per example.

    Returns:
        The installed package data if present, else the source tree's ``resources/examples``
        (which may not exist, e.g. in a package built without examples).
    """
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE_TREE


def _order(project_file: Path) -> tuple[int, str]:
    code = project_file.parent.name.partition("_")[0].lstrip("sS")
    return (int(code) if code.isdigit() else 1_000, project_file.parent.name)


def list_examples(root: Path | None = None) -> list[Path]:
    """The examples' project files in scenario order (S1, S2, …, S12, then any others).

    Args:
        root: The folder to look in; :func:`examples_dir` by default.

    Returns:
        One ``…/<example>/project.mgraft`` per example; empty when there are none.
    """
    return sorted((root or examples_dir()).glob(f"*/{PROJECT_FILE}"), key=_order)


def example(name: str) -> Path:
    """The project file of one example, by folder name (``s10_two_datasets``) or scenario id (``S10``).

    Raises:
        ModelGraftError: no example has that name (the message lists them).
    """
    found = list_examples()
    for project_file in found:
        folder = project_file.parent.name
        if name.lower() in (folder.lower(), folder.partition("_")[0].lower()):
            return project_file
    known = ", ".join(p.parent.name for p in found) or f"none in '{examples_dir()}'"
    raise ModelGraftError(f"there is no bundled example '{name}'; the examples: {known}")


def copy_example(project_file: Path, destination: Path) -> Path:
    """Copy an example's folder (project file, models, data; not its runs) to a new folder.

    Project files store paths relative to themselves, so the copy opens, trains and records
    its runs on its own, leaving the bundled example untouched (it may be read-only).

    Args:
        project_file: An example's project file (from :func:`list_examples` or :func:`example`).
        destination: The folder to create; it must not exist yet.

    Returns:
        The copied project file.

    Raises:
        FileExistsError: ``destination`` exists.
    """
    source = Path(project_file).parent
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("runs", "trained", "__pycache__"))
    return Path(destination) / Path(project_file).name
