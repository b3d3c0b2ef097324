"""A hint inside an empty list's own area ("No model is loaded…"), so showing it moves
nothing: the list keeps its place under the cursor.

It is a child label of the view's viewport, laid over it, not something painted by the view:
the view's own painting is left alone. Mouse events go through to the view.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel

MARGIN = 8


class ViewHint(QLabel):
    def __init__(self, text: str, view: QAbstractScrollArea) -> None:
        super().__init__(view.viewport())
        self.setTextFormat(Qt.TextFormat.PlainText)  # may quote what the user typed
        self.setText(text)
        self.setObjectName("pageHint")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        view.viewport().installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.parent() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def setText(self, text: str) -> None:  # type: ignore[override]  # noqa: N802
        super().setText(text)
        self._place()

    def _place(self) -> None:
        room = self.parentWidget()
        if room is None:
            return
        width = max(40, room.width() - 2 * MARGIN)
        self.setGeometry(MARGIN, MARGIN, width, self.heightForWidth(width))
