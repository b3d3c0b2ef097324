"""The Chat page: talk to a model, switch the variant mid-conversation, answer the last
message again with another variant beside the first, all kept in the history file.

The page holds the conversation (an immutable ``core.chat.Conversation``) and re-shows it
after each change; ``services.chat`` streams answers and reads and writes the history. A
message to a model that is not loaded first asks ``services.evictions`` what loading it will
unload, and says so (``EvictionBar``) before anything is unloaded; once the answer is in, the
bar offers to put those models back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from quantdesk.core.chat import ChatError, ChatOptions, ChatRequest, Conversation
from quantdesk.core.chat.answer import Answer
from quantdesk.core.loaded_state import model_key
from quantdesk.core.ollama import LocalModel
from quantdesk.core.store import ChatSummary
from quantdesk.ui.pages.chat_controls import ChatList, MessageBox, SettingsPanel
from quantdesk.ui.pages.chat_toolbar import ChatToolbar
from quantdesk.ui.pages.chat_transcript import Transcript
from quantdesk.ui.pages.eviction_bar import EvictionBar
from quantdesk.ui.plain_text import ask
from quantdesk.ui.services.chat import Finished
from quantdesk.ui.services.compare_store import StoreHolder
from quantdesk.ui.services.connection import ConnectionState
from quantdesk.ui.services.container import Services
from quantdesk.ui.widgets.actions import add_shortcut
from quantdesk.ui.widgets.page_header import MessageLabel, PageHeader

NO_MODELS = ("No models are installed yet. Pull one on the Downloads page, then chat with it "
             "here.")
NOT_CONNECTED = ("The Ollama daemon is not connected, so there is no model to chat with yet. "
                 "Start it (see the line at the top) or explore with the simulated daemon "
                 "(Models menu).")
START_HINT = ("Ask anything. Enter sends, Shift+Enter starts a new line, Esc stops the answer. "
              "Pick another variant above to continue the same chat with it.")


def _ask_delete(parent: QWidget, title: str) -> bool:
    return ask(parent, "Delete chat", f"Delete the chat “{title}” and all its answers?")


class ChatPage(QWidget):
    TITLE = "Chat"
    ICON = "chat"
    ready = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Chat page")
        self._services = services
        self.service = services.chat
        self.conv: Conversation | None = None
        self._pull_name = ""
        self.confirm_delete: Callable[[str], bool] = lambda t: _ask_delete(self, t)
        self.chats: list[ChatSummary] = []
        self.screenshot_mode = False  # ready only once the demo chat is on screen

        self.header = PageHeader("Chat", "Talk to an installed model; switch the variant at any "
                                 "point, or answer the last message again with another one.",
                                 self)
        self.message = MessageLabel(self)
        self.pull_button = QPushButton(self)
        self.pull_button.hide()
        self.pull_button.clicked.connect(self._pull_missing)
        self.eviction = EvictionBar(services, self)
        self.eviction.cancel_button.clicked.connect(self._show)
        self.eviction.confirming.connect(lambda _text: self._show())
        self.toolbar = ChatToolbar(self)
        self.picker = self.toolbar.picker
        self.settings_button = self.toolbar.settings_button
        self.toolbar.variant_chosen.connect(self.switch_variant)
        self.toolbar.regenerate_requested.connect(lambda name: self.regenerate(name or None))

        self.transcript = Transcript(self)
        self.transcript.continue_requested.connect(self.choose)
        self.transcript.copied.connect(lambda _c: self.message.show_notice("Code copied."))
        self.settings = SettingsPanel(self)
        self.settings.hide()
        self.settings_button.toggled.connect(self.settings.setVisible)
        self.settings.system_prompt_changed.connect(self._system_prompt)
        self.settings.options_changed.connect(self._options)
        self.settings.problem.connect(
            lambda text: self.message.show_error(text) if text else self.message.clear_message())
        self.input = MessageBox(self)
        self.input.send_requested.connect(self.send)
        self.send_button = QPushButton("Send", self)
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setToolTip("Stop the answer and keep what it wrote (Esc)")
        self.stop_button.clicked.connect(self.stop)
        bottom = QHBoxLayout()
        bottom.addWidget(self.input, 1)
        send_col = QVBoxLayout()
        send_col.addWidget(self.send_button)
        send_col.addWidget(self.stop_button)
        bottom.addLayout(send_col)
        msg_row = QHBoxLayout()
        msg_row.addWidget(self.message, 1)
        msg_row.addWidget(self.pull_button)

        main = QWidget(self)
        col = QVBoxLayout(main)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.toolbar)
        col.addWidget(self.settings)
        col.addWidget(self.transcript, 1)
        col.addLayout(msg_row)
        col.addLayout(bottom)
        self.history = ChatList(self)
        self.history.open_requested.connect(self.service.open)
        self.history.new_requested.connect(self.new_chat)
        self.history.rename_requested.connect(self.rename)
        self.history.delete_requested.connect(self.delete)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.history)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([200, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.splitter, 1)

        add_shortcut(self, "Stop the answer", QKeySequence("Escape"), self.stop)
        add_shortcut(self, "New chat", QKeySequence("Ctrl+N"), self.new_chat)
        s = self.service
        s.answer_changed.connect(self._on_answer)
        s.answer_finished.connect(self._on_finished)
        s.listed.connect(self._on_listed)
        s.opened.connect(self._on_opened)
        s.failed.connect(self.message.show_error)
        s.open_requested.connect(self.open_chat)
        services.installed.changed.connect(self._on_installed)
        services.connection.state_changed.connect(self._on_connection)
        self._on_installed(services.installed.models)
        self._listed = False  # the history file is first read when the page is shown
        self._show()

    # -- state on screen ---------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        return self.service.streaming

    def focus_target(self) -> QWidget:
        """Ctrl+7 (or the sidebar) lands in the message box: typing starts a message."""
        return self.input

    def _installed(self) -> list[str]:
        return list(self._services.installed.names)

    def _show(self) -> None:
        conv = self.conv
        if not self._services.connection.is_connected:
            empty = NOT_CONNECTED
        else:
            empty = START_HINT if self._installed() else NO_MODELS
        self.transcript.set_empty_text(empty)
        self.transcript.show_conversation(conv)
        busy = self.streaming or self.eviction.busy
        has_answer = conv is not None and bool(conv.turns) and not busy
        self.toolbar.set_can_regenerate(has_answer)
        self.stop_button.setEnabled(self.streaming)
        self.send_button.setEnabled(not busy and bool(self.picker.currentText()))

    def _on_installed(self, models: list[LocalModel]) -> None:
        names = [m.name for m in models]
        current = self.conv.variant if self.conv is not None else self.toolbar.current
        self.toolbar.set_models(names, current)
        self._show()

    def _on_connection(self, _state: ConnectionState) -> None:
        if not self._services.connection.is_connected and self.streaming:
            self.message.show_error("The Ollama daemon stopped answering.")
        self._show()

    # -- chats -------------------------------------------------------------------------------

    def new_chat(self) -> None:
        """Start a fresh chat (the current one stays in the history)."""
        self.conv = None
        self.settings.show_chat("", ChatOptions())
        self.message.clear_message()
        self._show()
        self.input.setFocus()

    def open_chat(self, model: str) -> None:
        """A new chat with ``model`` (the lead-in from Library, Variants and Compare)."""
        self.new_chat()
        self.toolbar.show_variant(model)
        self._show()
        show_page = getattr(self.window(), "show_page", None)
        if callable(show_page):
            show_page("chat")
        self.input.setFocus()

    def _on_listed(self, chats: list[ChatSummary]) -> None:
        self.chats = chats
        self.history.set_chats(chats, self.conv.id if self.conv is not None else "")
        if not self.screenshot_mode:
            self.ready.emit()

    def _on_opened(self, conv: Conversation) -> None:
        if self.streaming:
            self.message.show_notice("Stop the answer being written before opening another "
                                     "chat.")
            return
        self.conv = conv
        self.settings.show_chat(conv.system_prompt, conv.options)
        self.toolbar.show_variant(conv.variant)
        self.message.clear_message()
        self._show()

    def rename(self, chat_id: str, title: str) -> None:
        if self.conv is not None and self.conv.id == chat_id:
            self.conv = self.conv.renamed(title)
        self.service.rename(chat_id, title)

    def delete(self, chat_id: str) -> None:
        title = next((c.title for c in self.chats if c.id == chat_id), chat_id)
        if not self.confirm_delete(title):
            return
        if self.conv is not None and self.conv.id == chat_id:
            if self.streaming:
                self.service.stop()
            self.conv = None
            self._show()
        self.service.delete(chat_id)
        self.message.show_notice(f"Deleted the chat “{title}”.")

    def _system_prompt(self, text: str) -> None:
        if self.conv is not None:
            self.conv = self.conv.with_system_prompt(text)
            self.service.save(self.conv)

    def _options(self, options: ChatOptions) -> None:
        if self.conv is not None:
            self.conv = self.conv.with_options(options)
            self.service.save(self.conv)

    # -- talking -----------------------------------------------------------------------------

    def switch_variant(self, name: str) -> None:
        """The next message goes to ``name``, with the whole chat so far."""
        self.toolbar.show_variant(name)
        if self.conv is not None and name and name != self.conv.variant:
            self.conv = self.conv.switch_variant(name)
            self.service.save(self.conv)
            self.message.show_notice(f"The next message goes to {name}, with the chat so far.")
        self._show()

    def send(self) -> None:
        text = self.input.toPlainText()
        variant = self.toolbar.current
        if self.streaming or self.eviction.busy or not text.strip():
            return
        if not variant:
            self.message.show_error(NO_MODELS)
            return
        conv = self.conv or Conversation.new(variant,
                                             system_prompt=self.settings.system.toPlainText(),
                                             options=self.settings.options)
        if conv.variant != variant:
            conv = conv.switch_variant(variant)
        try:
            conv = conv.ask(text)
        except ChatError as exc:
            self.message.show_error(str(exc))
            return
        self.input.clear()
        self.conv = conv
        self._dispatch(conv.request())

    def regenerate(self, variant: str | None = None) -> None:
        if self.conv is None or self.streaming or self.eviction.busy:
            return
        try:
            last = self.conv.turns[-1] if self.conv.turns else None
            if last is not None and not last.answers and variant is None:
                request = self.conv.request()  # never answered: answer it now
            else:
                request = self.conv.regenerate_request(variant)
        except ChatError as exc:
            self.message.show_error(str(exc))
            return
        self._dispatch(request)

    def _dispatch(self, request: ChatRequest) -> None:
        self.message.clear_message()
        self.pull_button.hide()
        loaded = {model_key(m.name) for m in self._services.running.models}
        if model_key(request.variant) in loaded:
            self._start(request)
        else:
            self.eviction.guard([request.variant], lambda: self._start(request),
                                self.conv.options.num_ctx or 0 if self.conv else 0)
        self._show()

    def _start(self, request: ChatRequest) -> None:
        if self.conv is None or self.conv.id != request.conversation_id:
            return
        self.conv = self.conv.with_answer(request, Answer(request.variant))
        self.service.send(self.conv, request)
        self._show()

    def stop(self) -> None:
        self.service.stop()

    def choose(self, turn: int, answer: int) -> None:
        if self.conv is None or self.streaming:
            return
        self.conv = self.conv.choose(turn, answer)
        self.service.save(self.conv)
        self._show()

    def _on_answer(self, request: ChatRequest, answer: Answer) -> None:
        if self.conv is not None and self.conv.id == request.conversation_id:
            self.conv = self.conv.with_answer(request, answer)
            self._show()

    def _on_finished(self, done: Finished) -> None:
        request, answer = done.request, done.answer
        if self.conv is not None and self.conv.id == request.conversation_id:
            self.conv = self.conv.with_answer(request, answer)
        if done.problem == "missing":
            self._pull_name = request.variant
            self.message.show_error(f"{request.variant} is not installed on this daemon.")
            self.pull_button.setText(f"Pull {request.variant}")
            self.pull_button.show()
        elif done.problem == "unreachable":
            self.message.show_error("The Ollama daemon is not answering. The chat is kept: "
                                    "regenerate once the daemon is back.")
        elif answer.state == "failed":
            self.message.show_error(f"{request.variant} could not answer: {answer.error}")
        self.eviction.offer_restore()
        self._show()

    def _pull_missing(self) -> None:
        if self._pull_name:
            self._services.pulls.pull(self._pull_name)
            self.message.show_notice(f"Pulling {self._pull_name}: follow it on the Downloads "
                                     "page, then regenerate.")
            self.pull_button.hide()

    # -- screenshots and shutdown ------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._listed:
            self._listed = True
            self.service.refresh()

    def prepare_screenshot(self) -> None:
        from quantdesk.ui.pages.chat_demo import start_demo

        start_demo(self)

    def service_store(self) -> StoreHolder:
        return self._services.compare_store

    def has_active(self) -> bool:
        return False  # an answer being written is kept as far as it got

    def shutdown(self) -> None:
        self.service.stop()
