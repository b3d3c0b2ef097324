"""Title, one-line hint and the message slot at the top of every page."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from quantdesk.ui import theme
from quantdesk.ui.plain_text import tip
from quantdesk.ui.wording import for_people


class PageHeader(QWidget):
    def __init__(self, title: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(2)
        self.title = QLabel(title, self)
        self.title.setObjectName("pageTitle")
        self.hint = QLabel(hint, self)
        self.hint.setObjectName("pageHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)


class MessageLabel(QLabel):
    """A message shown where the work was done: an error in red, a notice plainly.

    It is a fixed slot: one line whose height is kept while it is empty or hidden, so a
    message appearing never moves the rows below it (a second click lands where the first
    one aimed). Text too long for the line is elided; the whole of it is the tooltip and the
    accessible description, and :meth:`text` returns it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._error = False
        self.setWordWrap(False)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName("Page message")
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.setFixedHeight(self.fontMetrics().height() + 6)
        self.hide()

    def text(self) -> str:  # type: ignore[override]
        """The whole message, not the elided line on screen."""
        return self._full

    def shown_text(self) -> str:
        return super().text()

    def is_error(self) -> bool:
        return self._error

    def show_error(self, text: str) -> None:
        self._error = True
        self.setStyleSheet(f"color: {theme.color('error').name()}; font-weight: 600;")
        self._set(text)

    def show_notice(self, text: str) -> None:
        self._error = False
        self.setStyleSheet("")
        self._set(text)

    def clear_message(self) -> None:
        self._full = ""
        self.setToolTip("")
        self.setAccessibleDescription("")
        super().setText("")
        self.hide()

    def _set(self, text: str) -> None:
        text = for_people(text)
        self._full = text
        self.setToolTip(tip(text))  # messages quote daemons
        self.setAccessibleDescription(text)
        self.ensurePolished()  # the error's bold font, before measuring
        self._elide()
        self.show()

    def _elide(self) -> None:
        # Several lines (a re-run's changes) read as one: "·" between them.
        one_line = " · ".join(part.strip() for part in self._full.splitlines() if part.strip())
        width = max(0, self.contentsRect().width())
        super().setText(self.fontMetrics().elidedText(one_line, Qt.TextElideMode.ElideRight,
                                                      width) if width else one_line)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - never widens the page
        return QSize(0, self.height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.height())
