"""Telling the user a pull ended: the tray's balloon when there is a tray, else a toast.

The toast is a small label over the bottom-right corner of the window, gone after a few
seconds or on a click; it never takes focus, so typing elsewhere is not interrupted.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QSystemTrayIcon, QWidget

from quantdesk.ui.plain_text import notification
from quantdesk.ui.wording import for_people

TOAST_MS = 5000
MARGIN = 16
MAX_WIDTH = 420


class Toast(QLabel):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("toast")
        self.setWordWrap(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Notification")
        self.setMargin(10)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        window.installEventFilter(self)
        self.hide()

    def show_message(self, title: str, text: str, error: bool = False) -> None:
        border = "#c62828" if error else "palette(highlight)"
        self.setStyleSheet(
            f"QLabel#toast {{ background: palette(window); border: 2px solid {border};"
            " border-radius: 6px; }"
        )
        self.setTextFormat(Qt.TextFormat.PlainText)  # both may quote a daemon
        self.setText(f"{title}\n{text}")
        # A wrapped label picks a narrow width by itself: use the room up to MAX_WIDTH.
        metrics = self.fontMetrics()
        longest = max(metrics.horizontalAdvance(title) * 1.1, metrics.horizontalAdvance(text))
        width = int(min(MAX_WIDTH, longest + 2 * self.margin() + 8))
        self.setFixedWidth(width)
        self.setFixedHeight(self.heightForWidth(width))
        self._place()
        self.show()
        self.raise_()
        self._timer.start(TOAST_MS)

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            # Above the status bar, so the daemon state and the GPU gauge stay readable.
            bar = parent.statusBar() if isinstance(parent, QMainWindow) else None
            below = bar.height() if bar is not None and bar.isVisible() else 0
            self.move(parent.width() - self.width() - MARGIN,
                      parent.height() - below - self.height() - MARGIN)

    def mousePressEvent(self, event: object) -> None:
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False


def notify(
    window: QWidget, tray: QSystemTrayIcon | None, title: str, text: str, error: bool = False
) -> Toast | None:
    """Show the message in the tray when one is visible; otherwise as a toast on ``window``.
    Returns the toast used, if any."""
    text = for_people(text)
    if tray is not None and tray.isVisible() and QSystemTrayIcon.supportsMessages():
        icon = (QSystemTrayIcon.MessageIcon.Critical if error
                else QSystemTrayIcon.MessageIcon.Information)
        tray.showMessage(notification(title), notification(text), icon, TOAST_MS)
        return None
    toast = window.findChild(Toast, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if toast is None:
        toast = Toast(window)
    toast.show_message(title, text, error)
    return toast
