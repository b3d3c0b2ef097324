"""Where the window remembers its geometry and last page: an INI file beside the settings
(so ``QUANTDESK_CONFIG_DIR`` redirects it in tests), never the platform registry; and how a
remembered or default size is brought inside a screen smaller than it."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from quantdesk.core.paths import config_dir

# What a window manager adds above the client area (title bar and borders). Before the window
# is mapped Qt cannot know it, so the fit leaves this much room for it.
FRAME_ALLOWANCE = QSize(8, 32)


def window_settings() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def fitted_geometry(wanted: QRect, room: QRect) -> QRect:
    """``wanted`` shrunk to fit ``room`` with its frame, and moved inside it: a 1280×800
    default (or a size remembered from a larger monitor) on a 1024×640 screen would otherwise
    open with its right side and the status bar off-screen."""
    width = min(wanted.width(), room.width() - FRAME_ALLOWANCE.width())
    height = min(wanted.height(), room.height() - FRAME_ALLOWANCE.height())
    left = min(max(wanted.left(), room.left()), room.right() + 1 - width)
    top = min(max(wanted.top(), room.top()), room.bottom() + 1 - height)
    return QRect(left, top, max(width, 1), max(height, 1))


def fit_on_screen(window: QWidget) -> None:
    """Shrink and move ``window`` so that it lies within its screen's available area."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    room = screen.availableGeometry()
    fitted = fitted_geometry(window.geometry(), room)
    if fitted.size() != window.size():
        window.resize(fitted.size())
    if fitted.topLeft() != window.geometry().topLeft():
        window.move(fitted.topLeft())
