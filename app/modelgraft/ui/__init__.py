"""The workbench: PySide6 main window, node canvas, panels, dialogs, undo commands, engine bridge.

Start it with ``modelgraft`` (or ``modelgraft gui [PROJECT]``), see :mod:`modelgraft.ui.app`.
Nothing here imports TensorFlow: the engine thread does, when the first model loads.
"""

from __future__ import annotations

__all__: list[str] = []
