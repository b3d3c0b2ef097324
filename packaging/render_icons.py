"""Render the app icon for Linux desktops: the SVG and PNGs in the freedesktop hicolor sizes.

The source is the app's own ``quantdesk/resources/icons/app.svg`` (read as package data), so the
window icon and the desktop icon cannot drift apart. Run it after changing that SVG and commit
the output:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

Windows ``.ico`` and macOS ``.icns`` are not committed; the PyInstaller spec builds them from
these PNGs (see ``icon_formats.py``).
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

APP_ID = "io.github.quantdesk.QuantDesk"
# The sizes the hicolor theme spec lists for apps, plus 512 for software centres.
SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64, 128, 256, 512)
HICOLOR = Path(__file__).resolve().parent / "linux" / "icons" / "hicolor"


def app_svg() -> bytes:
    return resources.files("quantdesk.resources").joinpath("icons", "app.svg").read_bytes()


def png_path(size: int, root: Path = HICOLOR) -> Path:
    return root / f"{size}x{size}" / "apps" / f"{APP_ID}.png"


def svg_path(root: Path = HICOLOR) -> Path:
    return root / "scalable" / "apps" / f"{APP_ID}.svg"


def render(svg: bytes, size: int) -> bytes:
    """``svg`` drawn on a transparent ``size``×``size`` canvas, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    # QPainter on a QImage needs a QGuiApplication for font and colour-space set-up.
    if QGuiApplication.instance() is None:
        render.app = QGuiApplication(sys.argv[:1])  # type: ignore[attr-defined]
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(QByteArray(svg)).render(painter)
    painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OSError(f"could not encode the {size}px icon")
    buf.close()
    return bytes(data.data())


def main(root: Path = HICOLOR) -> int:
    svg = app_svg()
    target = svg_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(svg)
    print(target)
    for size in SIZES:
        out = png_path(size, root)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(render(svg, size))
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
