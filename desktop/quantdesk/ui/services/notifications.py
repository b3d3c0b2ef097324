"""What the app tells the user outside any page: "pull finished", and errors no page caught.

The main window shows each post through the tray when there is one, else in the status bar.
:meth:`Notifier.report_exception` is where a failing GUI update (the bridge) and an uncaught
exception of any thread (``ui.app`` installs the hooks) end up, so nothing fails unseen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

ERROR_TITLE = "Something went wrong"


class Notifier(QObject):
    """GUI thread only. Signals:
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

    def report_exception(self, where: str, exc: BaseException) -> None:
        self.notify(ERROR_TITLE, f"{type(exc).__name__} in {where}: {exc}")
