"""Title, one-line hint and an inline message area at the top of every page."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


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
    """A message shown where the work was done: an error in red, a notice plainly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName("Page message")
        self.hide()

    def show_error(self, text: str) -> None:
        self.setStyleSheet("color: #c62828; font-weight: 600;")
        self.setText(text)
        self.show()

    def show_notice(self, text: str) -> None:
        self.setStyleSheet("")
        self.setText(text)
        self.show()

    def clear_message(self) -> None:
        self.clear()
        self.hide()
