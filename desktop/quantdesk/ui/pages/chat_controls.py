"""The Chat page's inputs: the message box (Enter sends, Shift+Enter starts a new line), the
per-chat settings with the plain labels of ``core.chat.options``, and the list of past chats."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.chat import SPECS, ChatOptions, OptionError
from quantdesk.core.store import ChatSummary
from quantdesk.ui.plain_text import tip

MIN_LINES, MAX_LINES = 3, 8  # the message box's height, in lines


class MessageBox(QPlainTextEdit):
    """Enter sends; Shift+Enter (or Ctrl+Enter) puts a line break in the message."""

    send_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Message")
        self.setPlaceholderText("Message the model (Enter sends, Shift+Enter starts a new "
                                "line, Esc stops the answer)")
        self.setTabChangesFocus(True)
        # Three lines, growing with the message up to eight: the answers keep the height.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.textChanged.connect(self._fit_height)
        self._fit_height()

    def _fit_height(self) -> None:
        # A plain-text layout measures its document in lines, wrapped lines included.
        lines = min(MAX_LINES, max(MIN_LINES, int(self.document().size().height())))
        margins = self.contentsMargins()
        pad = int(2 * self.document().documentMargin()) + margins.top() + margins.bottom()
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + pad)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_height()  # a narrower box wraps into more lines

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
                self.insertPlainText("\n")
                return
            self.send_requested.emit()
            return
        super().keyPressEvent(event)


class SettingsPanel(QWidget):
    """System prompt and per-chat options. A value out of range is kept in its box, marked,
    and explained; the chat keeps its last good value until it is corrected.

    Signals:
        system_prompt_changed(str)
        options_changed(object): the new ChatOptions
        problem(str): why a value was refused ("" once every value is fine)
    """

    system_prompt_changed = Signal(str)
    options_changed = Signal(object)
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Chat settings")
        self.options = ChatOptions()
        self.system = QPlainTextEdit(self)
        self.system.setAccessibleName("System prompt")
        self.system.setPlaceholderText("How the model should behave in this chat (optional)")
        self.system.setMaximumHeight(70)
        self.system.setTabChangesFocus(True)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout()
        form.addRow("System prompt", self.system)
        for spec in SPECS:
            edit = QLineEdit(self)
            edit.setPlaceholderText(spec.unset)
            edit.setToolTip(spec.help)
            edit.setAccessibleName(spec.label)
            edit.editingFinished.connect(lambda key=spec.key: self._edited(key))
            self.edits[spec.key] = edit
            form.addRow(spec.label, edit)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(form)
        self._system_text = ""
        self.system.textChanged.connect(self._system_edited)

    def show_chat(self, system_prompt: str, options: ChatOptions) -> None:
        self.options = options
        self._system_text = system_prompt
        if self.system.toPlainText() != system_prompt:
            self.system.setPlainText(system_prompt)
        values = dict(options.to_ollama())
        for key, edit in self.edits.items():
            value = values.get(key)
            edit.setText("" if value is None else f"{value:g}")
            edit.setStyleSheet("")

    def _system_edited(self) -> None:
        text = self.system.toPlainText()
        if text.strip() != self._system_text.strip():
            self._system_text = text
            self.system_prompt_changed.emit(text)

    def _edited(self, key: str) -> None:
        edit = self.edits[key]
        try:
            options = self.options.with_value(key, edit.text())
        except OptionError as exc:
            edit.setStyleSheet("border: 1px solid #c62828;")
            self.problem.emit(str(exc))
            return
        edit.setStyleSheet("")
        self.problem.emit("")
        if options != self.options:
            self.options = options
            self.options_changed.emit(options)


class ChatList(QWidget):
    """Past chats, newest first: open one, start a new one, rename (edit the title in place)
    or delete.

    Signals: open_requested(str), new_requested(), rename_requested(str, str),
    delete_requested(str)
    """

    open_requested = Signal(str)
    new_requested = Signal()
    rename_requested = Signal(str, str)
    delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Past chats")
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setWordWrap(False)
        self.empty = QLabel("No chats yet.", self)
        self.empty.setObjectName("emptyHint")
        self.new_button = QPushButton("New chat", self)
        self.rename_button = QPushButton("Rename", self)
        self.delete_button = QPushButton("Delete", self)
        # Two short rows, so the list stays narrow beside the conversation at 1024 px.
        buttons = QHBoxLayout()
        for b in (self.rename_button, self.delete_button):
            buttons.addWidget(b)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.new_button)
        col.addLayout(buttons)
        col.addWidget(self.empty)
        col.addWidget(self.list, 1)
        self.new_button.clicked.connect(self.new_requested)
        self.rename_button.clicked.connect(self.rename_current)
        self.delete_button.clicked.connect(self._delete)
        self.list.itemActivated.connect(self._open)
        self.list.itemClicked.connect(self._open)
        self.list.itemChanged.connect(self._renamed)
        self._filling = False

    def set_chats(self, chats: list[ChatSummary], current: str = "") -> None:
        self._filling = True
        self.list.clear()
        for c in chats:
            item = QListWidgetItem(c.title or "Untitled chat")
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(tip(f"{c.title or 'Untitled chat'}\n{c.variant} · {c.turns} messages"))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(item)
            if c.id == current:
                self.list.setCurrentItem(item)
        self._filling = False
        self.empty.setVisible(not chats)
        self.rename_button.setEnabled(bool(chats))
        self.delete_button.setEnabled(bool(chats))

    def ids(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())]

    def current_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def _open(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def rename_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _renamed(self, item: QListWidgetItem) -> None:
        if not self._filling and item.text().strip():
            self.rename_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)),
                                       item.text().strip())

    def _delete(self) -> None:
        chat_id = self.current_id()
        if chat_id:
            self.delete_requested.emit(chat_id)
