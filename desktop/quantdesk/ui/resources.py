"""Icons and style sheets from the ``quantdesk.resources`` package.

Icons are single-colour SVGs drawn with ``currentColor``; they are recoloured with the palette's
text colour and rendered at whatever size and device pixel ratio Qt asks for, so they stay sharp
on high-DPI screens and readable in light and dark themes.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

_PACKAGE = "quantdesk.resources"


@cache
def svg_text(name: str) -> str:
    return resources.files(_PACKAGE).joinpath("icons", f"{name}.svg").read_text("utf-8")


def icon_names() -> list[str]:
    folder = resources.files(_PACKAGE).joinpath("icons")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".svg"))


def style_sheet(name: str = "app") -> str:
    return resources.files(_PACKAGE).joinpath("themes", f"{name}.qss").read_text("utf-8")


class _SvgEngine(QIconEngine):
    def __init__(self, name: str, color: QColor | None) -> None:
        super().__init__()
        self._name = name
        self._color = color

    def _renderer(self, mode: QIcon.Mode) -> QSvgRenderer:
        color = self._color
        if color is None:
            pal = QApplication.palette() if QApplication.instance() else QPalette()
            group = QPalette.ColorGroup.Disabled if mode == QIcon.Mode.Disabled else (
                QPalette.ColorGroup.Active)
            role = (QPalette.ColorRole.HighlightedText if mode == QIcon.Mode.Selected
                    else QPalette.ColorRole.WindowText)
            color = pal.color(group, role)
        text = svg_text(self._name).replace("currentColor", color.name())
        return QSvgRenderer(QByteArray(text.encode("utf-8")))

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._renderer(mode).render(painter, rect)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pm = QPixmap(size)
        pm.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pm)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pm

    def scaledPixmap(  # noqa: N802 - Qt's name
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        pm = self.pixmap(size * scale, mode, state)
        pm.setDevicePixelRatio(scale)
        return pm

    def clone(self) -> QIconEngine:
        return _SvgEngine(self._name, self._color)


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """The named icon, drawn in ``color`` (default: the palette's text colour, per mode)."""
    svg_text(name)  # fail early, with the name, for a missing icon
    engine = _SvgEngine(name, QColor(color) if color is not None else None)
    return QIcon(engine)
