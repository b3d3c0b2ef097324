"""Chats in the history file: round trips, answers saved while streaming, the migration that
adds the tables to an older file, deletes, and damaged rows."""

from __future__ import annotations

from dataclasses import replace

import pytest

from quantdesk.core.chat import (
    Answer,
    AnswerMemory,
    AnswerStats,
    ChatOptions,
    ChatRun,
    Conversation,
)
from quantdesk.core.compare.results import ComparisonResult, ComparisonSpec, RunResult
from quantdesk.core.ollama import OllamaClient
from quantdesk.core.store import SCHEMA_VERSION, ChatNotFound, Database, HistoryStore
from quantdesk.core.store.history import ComparisonStore


@pytest.fixture
def path(tmp_path):
    return tmp_path / "history.sqlite3"


def two_turn_chat() -> Conversation:
    conv = Conversation.new("llama3.2:3b", system_prompt="Be brief.",
                            options=ChatOptions(temperature=0.2, num_ctx=8192))
    conv = conv.ask("Name a colour")
    req = conv.request()
    conv = conv.with_answer(req, Answer(
        "llama3.2:3b", "Blue", state="done", done_reason="stop",
        stats=AnswerStats(3, 41.5, 20, 300.0, 0.4, 0.6, 0.05),
        memory=AnswerMemory(2_500_000_000, 2_500_000_000, 8192),
        started_at="2026-12-07T10:00:00+00:00", finished_at="2026-12-07T10:00:01+00:00"))
    again = conv.regenerate_request("qwen2.5:7b")
    conv = conv.with_answer(again, Answer("qwen2.5:7b", "Green, with a long tail of text",
                                          thinking="hmm", state="stopped",
                                          stats=AnswerStats(eval_tokens=7, eval_tps=30.0,
                                                            estimated=True)))
    conv = conv.switch_variant("qwen2.5:7b").ask("Why?")
    req = conv.request()
    return conv.with_answer(req, Answer("qwen2.5:7b", "", state="failed",
                                        error="the connection dropped"))


def test_a_conversation_reads_back_exactly_as_saved(path):
    conv = two_turn_chat()
    with HistoryStore(path) as store:
        store.chats.save(conv)
    with HistoryStore(path) as store:  # a new process, as after a restart
        back = store.chats.get(conv.id)
    assert back == conv
    assert back.turns[0].chosen == 1 and len(back.turns[0].answers) == 2
    assert back.options.to_ollama() == {"temperature": 0.2, "num_ctx": 8192}


def test_saving_again_replaces_what_was_stored(path):
    conv = two_turn_chat()
    with HistoryStore(path) as store:
        store.chats.save(conv)
        shorter = conv.choose(0, 0).renamed("Colours")
        shorter = replace(shorter, turns=shorter.turns[:1], system_prompt="")
        store.chats.save(shorter)
        back = store.chats.get(conv.id)
        rows = store.db.query("SELECT count(*) FROM chat_answers WHERE chat_id=?", (conv.id,))
    assert back == shorter and back.title == "Colours" and back.turns[0].chosen == 0
    assert rows[0][0] == 2  # the third turn's answer went with its turn


def test_an_answer_saved_while_streaming_survives_a_crash_as_stopped(path):
    conv = Conversation.new("llama3.2:3b").ask("Tell me a story")
    req = conv.request()
    with HistoryStore(path) as store:
        store.chats.save(conv)
        store.chats.save_answer(conv.id, req.turn, req.slot,
                                Answer("llama3.2:3b", "Once upon a", state="streaming"))
    with HistoryStore(path) as store:
        back = store.chats.get(conv.id)
    answer = back.turns[0].answer
    assert answer is not None and (answer.state, answer.text) == ("stopped", "Once upon a")
    assert not back.streaming  # the user can go on typing


def test_save_answer_needs_the_chat_and_turn(path):
    with HistoryStore(path) as store, pytest.raises(ChatNotFound):
        store.chats.save_answer("chat-x", 0, 0, Answer("m:1b", "hi", state="done"))


def test_summaries_rename_and_delete(path):
    first = Conversation.new("a:1b").ask("first")
    second = Conversation.new("b:1b").ask("second")
    with HistoryStore(path) as store:
        store.chats.save(first)
        store.chats.save(second)
        store.chats.rename(first.id, "Renamed")  # touched last: now the newest
        got = store.chats.summaries()
        assert [(s.id, s.title, s.turns) for s in got] == [(first.id, "Renamed", 1),
                                                           (second.id, "second", 1)]
        assert len(store.chats.summaries(limit=1)) == 1
        store.chats.delete(first.id)
        left = {t: store.db.query(f"SELECT count(*) FROM {t}")[0][0]
                for t in ("chats", "chat_turns")}
        assert left == {"chats": 1, "chat_turns": 1}
        for call in (lambda: store.chats.get(first.id), lambda: store.chats.delete(first.id),
                     lambda: store.chats.rename(first.id, "x")):
            with pytest.raises(ChatNotFound, match="no chat"):
                call()


def test_a_damaged_row_costs_a_setting_not_the_chat(path):
    conv = two_turn_chat()
    with HistoryStore(path) as store:
        store.chats.save(conv)
        with store.db.transaction() as c:
            c.execute("UPDATE chats SET options='{not json' WHERE id=?", (conv.id,))
            c.execute("UPDATE chat_answers SET state='weird' WHERE chat_id=? AND turn=0",
                      (conv.id,))
            c.execute("UPDATE chat_turns SET chosen=9 WHERE chat_id=? AND position=0",
                      (conv.id,))
        back = store.chats.get(conv.id)
    assert back.options == ChatOptions()
    assert {a.state for a in back.turns[0].answers} == {"stopped"}
    assert back.turns[0].chosen == 1 and back.turns[0].answers[1].text.startswith("Green")


def test_an_older_history_file_gains_the_chat_tables_and_keeps_its_comparisons(path):
    old = Database(path, migrate_to=SCHEMA_VERSION - 1)
    spec = ComparisonSpec(("a:q4_0", "a:fp16"), prompt="hello")
    cmp = ComparisonResult("cmp-20261207-aaaaaa", "2026-12-07T10:00:00+00:00", spec, "a:fp16",
                           {}, [RunResult("a:q4_0", 0), RunResult("a:fp16", 1)])
    ComparisonStore(old).begin(cmp)
    tables = {r[0] for r in old.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "chats" not in tables
    old.close()
    with HistoryStore(path) as store:
        assert store.db.version == SCHEMA_VERSION
        assert store.comparisons.get(cmp.id) == cmp
        conv = Conversation.new("a:q4_0").ask("hi")
        store.chats.save(conv)
        assert store.chats.get(conv.id) == conv


async def test_a_chat_streamed_from_the_daemon_is_kept(sim_factory, path):
    sim = sim_factory(installed=["llama3.2:3b"])
    conv = Conversation.new("llama3.2:3b").ask("Hello there")
    req = conv.request()
    with HistoryStore(path) as store:
        store.chats.save(conv)
        async with OllamaClient(sim.host) as client:
            answer = await ChatRun(client, req).run(
                lambda a: store.chats.save_answer(conv.id, req.turn, req.slot, a))
        conv = conv.with_answer(req, answer)
        store.chats.save(conv)
    with HistoryStore(path) as store:
        back = store.chats.get(conv.id)
    assert back == conv
    kept = back.turns[0].answer
    assert kept is not None and kept.state == "done" and kept.text
    assert kept.memory is not None and kept.stats is not None and kept.stats.eval_tps > 0
