"""A one-line label that never widens its window: text too long for the room it is given is
elided, and the whole of it is the tooltip. ``text()`` returns the whole text. The text may
quote a daemon: it is shown as plain text, and the tooltip is escaped."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from quantdesk.core.inert import inert
from quantdesk.ui.plain_text import tip


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = ""
        self._mode = mode
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        # Asks for its text's width, shrinks to a few characters: a long line is cut, the
        # window keeps its size.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def setText(self, text: str) -> None:  # type: ignore[override]  # noqa: N802
        self._full = inert(text)
        self._elide()
        self.updateGeometry()

    def setToolTip(self, text: str) -> None:  # type: ignore[override]  # noqa: N802
        """A tooltip of its own; without one the whole text is shown when it is cut."""
        self._tip = text
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = (self.fontMetrics().elidedText(self._full, self._mode, width)
                 if width > 0 else self._full)
        super().setText(shown)
        # A tooltip set by the caller is its own (set_tip escapes it already); the whole
        # text of a cut line is escaped here.
        super().setToolTip(self._tip or (tip(self._full) if shown != self._full else ""))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        margins = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + margins.left()
                     + margins.right() + 2, hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("…") * 3, super().minimumSizeHint()
                     .height())
