"""Chat for the GUI: answers streamed by ``core.chat.ChatRun`` on the I/O loop, chats kept in
the history file (``core.store.chats``), and the lead-in other pages use to open a chat.

Snapshots of the answer being written cross to the GUI through a :class:`Throttle` that keeps
only the newest one (a snapshot holds the whole text so far), so a fast model costs a few
repaints a second, never one per token. The final answer flushes it first, so no partial
snapshot can arrive after the answer is done.

One answer streams at a time. ``stop`` asks the run to stop on the loop's own thread, so the
answer comes back ``stopped`` with what had arrived (never an error).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.chat import Answer, ChatRequest, ChatRun, Conversation
from quantdesk.core.ollama import ConnectionDropped, DaemonUnreachable, ModelNotFound
from quantdesk.core.store import ChatSummary
from quantdesk.ui.services.compare_store import StoreHolder
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.throttle import Throttle, latest

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

PAINT_MS = 50  # ~20 repaints a second while an answer streams
ANSWER_JOB = "answer"


@dataclass(frozen=True, slots=True)
class Finished:
    """How an answer ended, for the page: ``problem`` is "" (fine), "missing" (the model is
    not installed: offer to pull it) or "unreachable" (the daemon is gone)."""

    request: ChatRequest
    answer: Answer
    problem: str = ""


class ChatService(QObject):
    """Signals:
        open_requested(str): another page asked for a chat with this model
        listed(list): ChatSummary list, newest first
        opened(object): a Conversation read back from the history
        answer_changed(object, object): ChatRequest, Answer so far (throttled)
        answer_finished(object): a :class:`Finished`
        failed(str): a history action that did not work, in words
    """

    open_requested = Signal(str)
    listed = Signal(list)
    opened = Signal(object)
    answer_changed = Signal(object, object)
    answer_finished = Signal(object)
    failed = Signal(str)

    def __init__(self, services: Services, store: StoreHolder,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._store = store
        self._io = services.io
        self._run: ChatRun | None = None
        self._request: ChatRequest | None = None
        self._paint: Throttle[str, tuple[ChatRequest, Answer], tuple[ChatRequest, Answer]] = (
            Throttle(services.bridge, PAINT_MS, self._deliver, latest, self))
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=self._on_failed, on_cancelled=self._on_cancelled)

    # -- lead-in -----------------------------------------------------------------------------

    def open_chat(self, model: str) -> None:
        """Start a new chat with ``model`` on the Chat page (which shows itself)."""
        if model.strip():
            if self._services.build_page is not None:
                self._services.build_page("chat")  # the page listens from its construction
            self.open_requested.emit(model.strip())

    # -- answers -----------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """True from ``send`` until ``answer_finished`` has been emitted."""
        return self._run is not None

    @property
    def request(self) -> ChatRequest | None:
        """The request being answered now (None when idle)."""
        return self._request if self.streaming else None

    def send(self, conv: Conversation, request: ChatRequest) -> None:
        """Save ``conv`` (the turn is kept even if the answer fails), then stream the answer
        to ``request``; the answer is saved as it ends."""
        client = self._services.client()
        holder = self._store
        keep_alive = self._services.settings.keep_alive or None
        run = ChatRun(client, request, keep_alive=keep_alive)
        self._run, self._request = run, request
        self._paint.discard()
        put = self._paint.put

        async def job() -> Finished:
            store = await asyncio.to_thread(holder.get)
            await asyncio.to_thread(store.chats.save, conv)
            answer = await run.run(on_update=lambda a: put("answer", (request, a)))
            await asyncio.to_thread(store.chats.save_answer, request.conversation_id,
                                    request.turn, request.slot, answer)
            return Finished(request, answer, _problem(run))

        self._jobs.start(ANSWER_JOB, job)

    def stop(self) -> None:
        """Stop the answer being written; it ends ``stopped`` with the text so far."""
        run = self._run
        if run is not None and self._jobs.running(ANSWER_JOB):
            self._io.loop.call_soon_threadsafe(run.stop)

    def _deliver(self, _key: str, value: tuple[ChatRequest, Answer]) -> None:
        request, answer = value
        if request == self._request:
            self.answer_changed.emit(request, answer)

    # -- history -----------------------------------------------------------------------------

    def refresh(self) -> None:
        holder = self._store

        async def job() -> list[ChatSummary]:
            store = await asyncio.to_thread(holder.get)
            return await asyncio.to_thread(store.chats.summaries, 200)

        self._jobs.start("list", job)

    def open(self, chat_id: str) -> None:
        holder = self._store

        async def job() -> Conversation:
            store = await asyncio.to_thread(holder.get)
            return await asyncio.to_thread(store.chats.get, chat_id)

        self._jobs.start("open", job)

    def save(self, conv: Conversation) -> None:
        """Keep a changed conversation (renamed, another system prompt …)."""
        self._history("save", lambda s: s.chats.save(conv))

    def rename(self, chat_id: str, title: str) -> None:
        self._history(f"rename {chat_id}", lambda s: s.chats.rename(chat_id, title))

    def delete(self, chat_id: str) -> None:
        self._history(f"delete {chat_id}", lambda s: s.chats.delete(chat_id))

    def _history(self, job_id: str, action: object) -> None:
        holder = self._store

        async def job() -> None:
            store = await asyncio.to_thread(holder.get)
            await asyncio.to_thread(action, store)  # type: ignore[arg-type]

        self._jobs.start(job_id, job)

    # -- outcomes ----------------------------------------------------------------------------

    def _on_finished(self, job: str, result: object) -> None:
        if job == ANSWER_JOB:
            assert isinstance(result, Finished)
            self._paint.flush()
            self._paint.discard()
            self._run = None
            self.answer_finished.emit(result)
            self.refresh()
        elif job == "list":
            self.listed.emit(result)
        elif job == "open":
            self.opened.emit(result)
        else:
            self.refresh()

    def _on_failed(self, job: str, message: str) -> None:
        if job == ANSWER_JOB:
            # The history file could not be written: the answer itself is on screen.
            self._paint.flush()
            self._run = None
            request = self._request
            if request is not None:
                self.answer_finished.emit(Finished(
                    request, Answer(request.variant, state="failed", error=message)))
        self.failed.emit(f"The chat history could not be read or written: {message}")

    def _on_cancelled(self, job: str) -> None:
        if job == ANSWER_JOB:
            self._run = None

    def shutdown(self) -> None:
        self.stop()
        self._jobs.cancel_all()
        self._paint.discard()


def _problem(run: ChatRun) -> str:
    if isinstance(run.error, ModelNotFound):
        return "missing"
    if isinstance(run.error, DaemonUnreachable | ConnectionDropped):
        return "unreachable"
    return ""
