"""A conversation: system prompt, turns, per-chat settings, and every answer labelled with the
variant that gave it.

Values are immutable; each change returns a new ``Conversation``. A turn is the user's message
and the answers to it: the first, plus any "regenerate with…" alternatives kept beside it.
``chosen`` says which answer the conversation continues from. ``variant`` is where the next
turn goes: switching it mid-conversation sends the same history to the other model.

The flow a front end follows::

    conv = conv.ask("Why is the sky blue?")
    request = conv.request()                    # or conv.regenerate_request("qwen2.5:7b")
    answer = await ChatRun(client, request).run(on_update=...)
    conv = conv.with_answer(request, answer)
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from quantdesk.core.chat.answer import Answer, now_iso
from quantdesk.core.chat.options import ChatOptions
from quantdesk.core.errors import QuantDeskError

TITLE_CHARS = 60


class ChatError(QuantDeskError):
    """A chat action that cannot be done now; the message says why."""


def new_chat_id(now: dt.datetime | None = None) -> str:
    """``chat-20261207-1a2b3c``: the UTC day, then 24 random bits."""
    day = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%d")
    return f"chat-{day}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class Turn:
    user: str
    answers: tuple[Answer, ...] = ()
    chosen: int = 0
    asked_at: str = ""

    @property
    def answer(self) -> Answer | None:
        return self.answers[self.chosen] if self.answers else None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What one /api/chat call sends, and where its answer goes."""

    conversation_id: str
    turn: int
    slot: int  # the answer's index in that turn (a new alternative is appended)
    variant: str
    messages: tuple[dict[str, str], ...]
    options: dict[str, int | float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    variant: str  # the model the next turn goes to
    system_prompt: str = ""
    options: ChatOptions = field(default_factory=ChatOptions)
    turns: tuple[Turn, ...] = ()
    title: str = ""
    created_at: str = ""
    updated_at: str = ""

    @classmethod
    def new(cls, variant: str, *, system_prompt: str = "",
            options: ChatOptions | None = None) -> Conversation:
        at = now_iso()
        return cls(new_chat_id(), variant.strip(), system_prompt, options or ChatOptions(),
                   created_at=at, updated_at=at)

    @property
    def streaming(self) -> bool:
        return any(a.state == "streaming" for t in self.turns for a in t.answers)

    def _touched(self, **changes: Any) -> Conversation:
        return replace(self, updated_at=now_iso(), **changes)

    # -- changes ----------------------------------------------------------------------------

    def ask(self, text: str) -> Conversation:
        """Add the user's next message (waiting for its answer)."""
        message = text.strip()
        if not message:
            raise ChatError("Type a message first.")
        if self.streaming:
            raise ChatError("An answer is still coming: stop it or wait for it first.")
        title = self.title or _title(message)
        return self._touched(turns=(*self.turns, Turn(message, asked_at=now_iso())),
                             title=title)

    def switch_variant(self, variant: str) -> Conversation:
        """The next turn goes to ``variant``, with the same history."""
        name = variant.strip()
        if not name:
            raise ChatError("Pick a model to continue with.")
        return self._touched(variant=name)

    def with_system_prompt(self, text: str) -> Conversation:
        return self._touched(system_prompt=text.strip())

    def with_options(self, options: ChatOptions) -> Conversation:
        return self._touched(options=options)

    def renamed(self, title: str) -> Conversation:
        return self._touched(title=title.strip() or self.title)

    def with_answer(self, request: ChatRequest, answer: Answer) -> Conversation:
        """Put ``answer`` (partial or final) in the slot ``request`` asked for; a new
        alternative becomes the chosen answer of its turn."""
        turn = self.turns[request.turn]
        answers = list(turn.answers)
        if request.slot < len(answers):
            answers[request.slot] = answer
        else:
            answers.append(answer)
        changed = replace(turn, answers=tuple(answers), chosen=request.slot)
        return self._touched(turns=_with_turn(self.turns, request.turn, changed))

    def choose(self, turn: int, answer: int) -> Conversation:
        """Continue from another answer of ``turn``."""
        t = self.turns[turn]
        if not 0 <= answer < len(t.answers):
            raise ChatError("That answer is not there any more.")
        return self._touched(turns=_with_turn(self.turns, turn, replace(t, chosen=answer)))

    # -- requests ---------------------------------------------------------------------------

    def messages(self, upto: int) -> tuple[dict[str, str], ...]:
        """The history /api/chat gets for turn ``upto``: the system prompt, every earlier turn
        with its chosen answer (a stopped one as far as it got), then turn ``upto``'s message."""
        out: list[dict[str, str]] = []
        if self.system_prompt:
            out.append({"role": "system", "content": self.system_prompt})
        for turn in self.turns[:upto]:
            out.append({"role": "user", "content": turn.user})
            answer = turn.answer
            if answer is not None and answer.text:
                out.append({"role": "assistant", "content": answer.text})
        out.append({"role": "user", "content": self.turns[upto].user})
        return tuple(out)

    def request(self) -> ChatRequest:
        """The request answering the last turn with the current variant."""
        if not self.turns:
            raise ChatError("Type a message first.")
        last = len(self.turns) - 1
        turn = self.turns[last]
        # An unanswered turn, or one whose only answer failed before any text, is answered
        # again in place; otherwise the new answer goes beside the others.
        slot = len(turn.answers)
        if turn.answers and turn.answers[-1].state == "failed" and not turn.answers[-1].text:
            slot -= 1
        return ChatRequest(self.id, last, slot, self.variant, self.messages(last),
                           self.options.to_ollama())

    def regenerate_request(self, variant: str | None = None) -> ChatRequest:
        """The last turn answered again (by ``variant``, default the current one), kept beside
        the answers it already has."""
        if not self.turns or not self.turns[-1].answers:
            raise ChatError("There is no answer to regenerate yet.")
        if self.streaming:
            raise ChatError("An answer is still coming: stop it or wait for it first.")
        last = len(self.turns) - 1
        name = (variant or self.variant).strip()
        return ChatRequest(self.id, last, len(self.turns[last].answers), name,
                           self.messages(last), self.options.to_ollama())


def _with_turn(turns: tuple[Turn, ...], index: int, turn: Turn) -> tuple[Turn, ...]:
    i = range(len(turns))[index]  # a negative index counts from the end; IndexError if absent
    return (*turns[:i], turn, *turns[i + 1:])


def _title(message: str) -> str:
    line = " ".join(message.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"
