"""Render the app icon's PNG sizes from its SVG: ``python resources/icons/render.py``.

The PNGs land in the freedesktop ``hicolor/<N>x<N>/apps/`` layout beside the SVG, so the
``hicolor`` folder can be installed as it is (pip's data files and the bundle both do).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

APP_ID = "io.github.modelgraft.ModelGraft"
HICOLOR = Path(__file__).resolve().parent / "hicolor"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    """Draw ``svg`` into a transparent ``size``×``size`` PNG at ``out``.

    Raises:
        OSError: the SVG does not parse or the PNG cannot be written.
    """
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise OSError(f"icon '{svg}' is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise OSError(f"icon '{out}' cannot be written")


def main() -> int:
    """Render every size; returns the exit status."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QImage needs it)
    svg = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    for size in SIZES:
        render(svg, size, HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
