"""The conversation on screen: each turn's message, then its answers side by side (the first
and any "regenerate with…" alternatives), each labelled with its variant, speed and memory.

Answers are rendered by ``core.chat.markdown`` (every character escaped, no resource that Qt
could load); the text browsers also refuse every resource themselves and never navigate, so
even a bug there could not make them fetch anything. "Copy" above a code block is a
``#copy-N`` link: clicking it puts that block on the clipboard.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.chat import Answer, Conversation, Turn
from quantdesk.core.chat.markdown import CodeBlock, copy_target, render_markdown
from quantdesk.ui import theme
from quantdesk.ui.plain_text import plain_label, set_tip

WEB_SCHEMES = ("https", "http", "mailto")


class MarkdownView(QTextBrowser):
    """A text browser that grows with its text instead of scrolling."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.code_blocks: tuple[CodeBlock, ...] = ()
        self.markdown = ""
        self.requested: list[str] = []  # resources anything asked for (always refused)
        self.anchorClicked.connect(self._on_link)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)

    def set_markdown(self, text: str) -> None:
        if text == self.markdown and self.code_blocks:
            return
        self.markdown = text
        rendered = render_markdown(text)
        self.code_blocks = rendered.code_blocks
        self.setHtml(rendered.html)
        self._fit_height()

    def loadResource(self, kind: int, name: QUrl) -> object:  # noqa: N802 - Qt's name
        self.requested.append(name.toString())
        return None

    def _on_link(self, url: QUrl) -> None:
        index = copy_target(url.toString())
        if index is not None:
            if 0 <= index < len(self.code_blocks):
                QGuiApplication.clipboard().setText(self.code_blocks[index].code)
                self.copied.emit(self.code_blocks[index].code)
            return
        if url.scheme().lower() in WEB_SCHEMES:
            QDesktopServices.openUrl(url)

    def _fit_height(self, *_args: object) -> None:
        doc = self.document()
        doc.setTextWidth(max(50, self.viewport().width()))
        bar = self.horizontalScrollBar()
        extra = bar.sizeHint().height() if bar.isVisible() else 0
        self.setFixedHeight(int(doc.size().height()) + 6 + extra)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_height()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(400, self.height())


class AnswerView(QFrame):
    """One answer: its label line (who, how fast, how much memory), then its text."""

    continue_requested = Signal(int, int)  # turn, answer

    def __init__(self, turn: int, slot: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatAnswer")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.turn, self.slot = turn, slot
        self.label = QLabel(self)
        self.label.setObjectName("answerLabel")
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.body = MarkdownView(self)
        self.body.setAccessibleName("Answer")
        self.error = QLabel(self)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.color('error').name()};")
        self.continue_button = QPushButton("Continue from this answer", self)
        self.continue_button.clicked.connect(
            lambda: self.continue_requested.emit(self.turn, self.slot))
        col = QVBoxLayout(self)
        col.setContentsMargins(8, 6, 8, 6)
        col.addWidget(self.label)  # the whole width: side by side, answers are narrow
        col.addWidget(self.body)
        col.addWidget(self.error)
        under = QHBoxLayout()
        under.addStretch(1)
        under.addWidget(self.continue_button)
        col.addLayout(under)

    def show_answer(self, answer: Answer, *, chosen: bool, alternatives: bool) -> None:
        self.label.setText(answer.label)
        set_tip(self.label, answer.label)  # the variant's name
        self.body.set_markdown(answer.text)
        self.body.setVisible(bool(answer.text) or answer.state == "streaming")
        self.error.setText(answer.error)
        self.error.setVisible(bool(answer.error))
        self.continue_button.setVisible(alternatives and not chosen
                                        and answer.state in ("done", "stopped"))
        self.setProperty("chosen", chosen and alternatives)
        self.setStyleSheet("QFrame#chatAnswer { border: 2px solid palette(highlight); }"
                           if chosen and alternatives else "")


class TurnView(QWidget):
    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.user = QLabel(self)
        self.user.setObjectName("userMessage")
        self.user.setTextFormat(Qt.TextFormat.PlainText)
        self.user.setWordWrap(True)
        self.user.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user.setStyleSheet("QLabel#userMessage { background: palette(alternate-base);"
                                " padding: 6px; border-radius: 4px; }")
        self.answers_row = QHBoxLayout()
        self.answers: list[AnswerView] = []
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 4, 0, 4)
        col.addWidget(self.user)
        col.addLayout(self.answers_row)

    def show_turn(self, turn: Turn) -> list[AnswerView]:
        """Show ``turn``; returns the answer views made for answers it did not have yet."""
        self.user.setText(turn.user)
        made = []
        while len(self.answers) < len(turn.answers):
            view = AnswerView(self.index, len(self.answers), self)
            self.answers.append(view)
            self.answers_row.addWidget(view, 1)
            made.append(view)
        several = len(turn.answers) > 1
        for k, answer in enumerate(turn.answers):
            self.answers[k].show_answer(answer, chosen=k == turn.chosen, alternatives=several)
        return made


class Transcript(QScrollArea):
    """Signals:
        continue_requested(int, int): turn, answer the conversation should continue from
        copied(str): a code block put on the clipboard
    """

    continue_requested = Signal(int, int)
    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setAccessibleName("Conversation")
        self._inner = QWidget(self)
        self._col = QVBoxLayout(self._inner)
        self._col.setContentsMargins(4, 4, 4, 4)
        self.empty = plain_label("", self._inner)  # may name a model
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("emptyHint")
        self._col.addWidget(self.empty)
        self._col.addStretch(1)
        self.setWidget(self._inner)
        self.turns: list[TurnView] = []
        self._chat_id = ""

    def set_empty_text(self, text: str) -> None:
        self.empty.setText(text)

    def answer_view(self, turn: int, slot: int) -> AnswerView | None:
        if 0 <= turn < len(self.turns) and 0 <= slot < len(self.turns[turn].answers):
            return self.turns[turn].answers[slot]
        return None

    def show_conversation(self, conv: Conversation | None) -> None:
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        chat_id = conv.id if conv is not None else ""
        turns = conv.turns if conv is not None else ()
        if chat_id != self._chat_id or len(turns) < len(self.turns):
            for view in self.turns:
                view.deleteLater()
            self.turns = []
            self._chat_id = chat_id
        for i, turn in enumerate(turns):
            if i == len(self.turns):
                view = TurnView(i, self._inner)
                self._col.insertWidget(self._col.count() - 1, view)
                self.turns.append(view)
            for made in self.turns[i].show_turn(turn):
                made.continue_requested.connect(self.continue_requested)
                made.body.copied.connect(self.copied)
        self.empty.setVisible(not turns)
        if at_end:
            bar.setValue(bar.maximum())
            self._inner.adjustSize()
            bar.setValue(bar.maximum())
