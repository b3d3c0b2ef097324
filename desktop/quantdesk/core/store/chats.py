"""Chats in the history file: whole conversations, and single answers while they stream.

``save`` writes a conversation and all its turns in one transaction (a chat is small: a
rewrite costs less than working out what changed). ``save_answer`` writes one answer as it
grows, so a crash mid-answer keeps what had arrived. An answer stored while still streaming
reads back as stopped: nobody is writing it any more. Every call blocks briefly; async
callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, cast

from quantdesk.core.chat.answer import Answer, AnswerMemory, AnswerState, AnswerStats, now_iso
from quantdesk.core.chat.conversation import Conversation, Turn
from quantdesk.core.chat.options import ChatOptions
from quantdesk.core.store.database import Database, StoreError

_STATES = ("streaming", "done", "stopped", "failed")
_ANSWER_COLUMNS = (
    "variant", "state", "text", "thinking", "error", "done_reason", "eval_tokens", "eval_tps",
    "prompt_tokens", "prompt_tps", "load_s", "total_s", "first_token_s", "estimated", "size",
    "size_vram", "context_length", "started_at", "finished_at",
)
_UPSERT_ANSWER = (
    f"INSERT OR REPLACE INTO chat_answers (chat_id, turn, position, "
    f"{', '.join(_ANSWER_COLUMNS)}) VALUES ({', '.join('?' * (len(_ANSWER_COLUMNS) + 3))})")


class ChatNotFound(StoreError):
    def __init__(self, chat_id: str) -> None:
        super().__init__(f"There is no chat '{chat_id}' in the history.")
        self.chat_id = chat_id


@dataclass(frozen=True, slots=True)
class ChatSummary:
    id: str
    title: str
    variant: str
    updated_at: str
    turns: int


def _answer_values(chat_id: str, turn: int, position: int, a: Answer) -> tuple[Any, ...]:
    s, m = a.stats, a.memory
    return (chat_id, turn, position, a.variant, a.state, a.text, a.thinking, a.error,
            a.done_reason,
            s.eval_tokens if s else None, s.eval_tps if s else None,
            s.prompt_tokens if s else None, s.prompt_tps if s else None,
            s.load_s if s else None, s.total_s if s else None,
            s.first_token_s if s else None, int(s.estimated) if s else None,
            m.size if m else None, m.size_vram if m else None,
            m.context_length if m else None, a.started_at, a.finished_at)


def _answer(row: sqlite3.Row) -> Answer:
    stats = None
    if row["eval_tokens"] is not None:
        stats = AnswerStats(row["eval_tokens"], row["eval_tps"] or 0.0,
                            row["prompt_tokens"] or 0, row["prompt_tps"] or 0.0,
                            row["load_s"] or 0.0, row["total_s"] or 0.0,
                            row["first_token_s"] or 0.0, bool(row["estimated"]))
    memory = None
    if row["size"] is not None:
        memory = AnswerMemory(row["size"], row["size_vram"] or 0, row["context_length"] or 0)
    # _STATES is AnswerState's values, so the membership test makes the cast true.
    state = cast("AnswerState", row["state"] if row["state"] in _STATES else "stopped")
    if state == "streaming":
        state = "stopped"  # the process writing it is gone
    return Answer(row["variant"], row["text"], row["thinking"], state, row["error"],
                  row["done_reason"], stats, memory, row["started_at"], row["finished_at"])


def _options(text: str) -> ChatOptions:
    try:
        return ChatOptions.from_ollama(json.loads(text))
    except ValueError:
        return ChatOptions()


class ChatStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, conv: Conversation) -> None:
        """Write ``conv`` as it is now, replacing what was stored under its id."""
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO chats (id, title, variant, system_prompt, options, created_at,"
                " updated_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                " title=excluded.title, variant=excluded.variant,"
                " system_prompt=excluded.system_prompt, options=excluded.options,"
                " updated_at=excluded.updated_at",
                (conv.id, conv.title, conv.variant, conv.system_prompt,
                 json.dumps(conv.options.to_ollama()), conv.created_at or now_iso(),
                 conv.updated_at or now_iso()))
            conn.execute("DELETE FROM chat_turns WHERE chat_id=?", (conv.id,))
            conn.executemany(
                "INSERT INTO chat_turns (chat_id, position, user_text, chosen, asked_at)"
                " VALUES (?,?,?,?,?)",
                [(conv.id, i, t.user, t.chosen, t.asked_at) for i, t in enumerate(conv.turns)])
            conn.executemany(_UPSERT_ANSWER, [
                _answer_values(conv.id, i, k, a)
                for i, t in enumerate(conv.turns) for k, a in enumerate(t.answers)])

    def save_answer(self, chat_id: str, turn: int, position: int, answer: Answer) -> None:
        """Write one answer (partial or final) of a chat already saved with that turn."""
        try:
            with self._db.transaction() as conn:
                conn.execute(_UPSERT_ANSWER, _answer_values(chat_id, turn, position, answer))
                conn.execute("UPDATE chat_turns SET chosen=? WHERE chat_id=? AND position=?",
                             (position, chat_id, turn))
                conn.execute("UPDATE chats SET updated_at=? WHERE id=?", (now_iso(), chat_id))
        except sqlite3.IntegrityError as exc:
            raise ChatNotFound(chat_id) from exc

    def get(self, chat_id: str) -> Conversation:
        rows = self._db.query("SELECT * FROM chats WHERE id=?", (chat_id,))
        if not rows:
            raise ChatNotFound(chat_id)
        chat = rows[0]
        answers: dict[int, list[Answer]] = {}
        for row in self._db.query(
                "SELECT * FROM chat_answers WHERE chat_id=? ORDER BY turn, position",
                (chat_id,)):
            answers.setdefault(row["turn"], []).append(_answer(row))
        turns = []
        for row in self._db.query(
                "SELECT * FROM chat_turns WHERE chat_id=? ORDER BY position", (chat_id,)):
            got = tuple(answers.get(row["position"], ()))
            chosen = row["chosen"] if 0 <= row["chosen"] < len(got) else max(0, len(got) - 1)
            turns.append(Turn(row["user_text"], got, chosen, row["asked_at"]))
        return Conversation(chat["id"], chat["variant"], chat["system_prompt"],
                            _options(chat["options"]), tuple(turns), chat["title"],
                            chat["created_at"], chat["updated_at"])

    def summaries(self, limit: int | None = None) -> list[ChatSummary]:
        """Newest first."""
        sql = ("SELECT c.id, c.title, c.variant, c.updated_at,"
               " (SELECT count(*) FROM chat_turns t WHERE t.chat_id=c.id) AS turns"
               " FROM chats c ORDER BY c.updated_at DESC, c.rowid DESC")
        params: tuple[object, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [ChatSummary(r["id"], r["title"], r["variant"], r["updated_at"], r["turns"])
                for r in self._db.query(sql, params)]

    def rename(self, chat_id: str, title: str) -> None:
        with self._db.transaction() as conn:
            cur = conn.execute("UPDATE chats SET title=?, updated_at=? WHERE id=?",
                               (title.strip(), now_iso(), chat_id))
            if cur.rowcount == 0:
                raise ChatNotFound(chat_id)

    def delete(self, chat_id: str) -> None:
        with self._db.transaction() as conn:
            cur = conn.execute("DELETE FROM chats WHERE id=?", (chat_id,))
            if cur.rowcount == 0:
                raise ChatNotFound(chat_id)
