"""Desktop notifications from any page ("pull finished"), shown by the main window through
the tray when there is one, else in the status bar."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Notifier(QObject):
    """Signals:
    posted(str, str): title, text
    """

    posted = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: list[tuple[str, str]] = []

    def notify(self, title: str, text: str) -> None:
        self.history.append((title, text))
        del self.history[:-50]
        self.posted.emit(title, text)
