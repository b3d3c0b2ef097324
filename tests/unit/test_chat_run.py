"""Streaming chat answers from the simulator over real HTTP: stop, cancel, failures, switching
variant mid-conversation and regenerate-with; the official ollama client is the oracle for what
each model answers to the same history."""

from __future__ import annotations

import asyncio
import itertools

import ollama
import pytest

from quantdesk.core.chat import Answer, ChatRun, Conversation
from quantdesk.core.ollama import OllamaClient

SMALL, OTHER = "llama3.2:3b", "qwen2.5:7b"


async def slow_sim(sim_factory, **kwargs):
    """A simulator whose model is already loaded (fast) and that then streams at the simulated
    machine's real pace: long answers take seconds, so Stop lands mid-way."""
    sim = sim_factory(installed=[SMALL], reply_words=3000, **kwargs)
    async with OllamaClient(sim.host) as client:
        await client.load(SMALL)
    sim.token_rate_scale = 1.0
    return sim


async def official_answer(host: str, model: str, messages, options=None) -> str:
    async with ollama.AsyncClient(host=f"http://{host}") as client:
        reply = await client.chat(model=model, messages=list(messages), options=options)
    return reply.message.content or ""


async def test_an_answer_streams_in_pieces_and_ends_labelled(sim_factory):
    sim = sim_factory(installed=[SMALL], vram_bytes=12 * 2**30)
    conv = Conversation.new(SMALL, system_prompt="Be brief.").ask("Why is the sky blue?")
    req = conv.request()
    seen: list[Answer] = []
    async with OllamaClient(sim.host) as client:
        answer = await ChatRun(client, req).run(seen.append)
    assert answer.state == "done" and answer.done_reason == "stop"
    assert answer.text == await official_answer(sim.host, SMALL, req.messages)
    streaming = [a for a in seen if a.state == "streaming"]
    assert len(streaming) > 3 and streaming[0].text == ""
    # Every snapshot extends the one before it.
    texts = [a.text for a in streaming]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert answer.stats is not None and answer.stats.eval_tokens > 0
    assert answer.stats.eval_tps > 0 and not answer.stats.estimated
    assert answer.memory is not None and answer.memory.size_vram > 0
    assert answer.label.startswith(f"{SMALL} · ") and "tokens/s" in answer.label
    assert answer.label.endswith("100% GPU")
    conv = conv.with_answer(req, answer)
    assert conv.turns[0].answer == answer


async def test_stop_keeps_the_partial_answer_marked_stopped(sim_factory):
    sim = await slow_sim(sim_factory)
    oracle = sim_factory(installed=[SMALL], reply_words=3000)  # same text, at full speed
    req = Conversation.new(SMALL).ask("Tell me a long story").request()
    async with OllamaClient(sim.host) as client:
        run = ChatRun(client, req)

        loop = asyncio.get_running_loop()
        stopped_at: list[float] = []

        def on_update(a: Answer) -> None:
            if a.state == "streaming" and len(a.text.split()) >= 5 and not stopped_at:
                stopped_at.append(loop.time())
                run.stop()

        answer = await run.run(on_update)
        # Measured from the Stop, not from the start: reaching the fifth word is the
        # simulator's pace and the machine's load, ending after Stop is the run's job.
        spent = loop.time() - stopped_at[0]
        full = await official_answer(oracle.host, SMALL, req.messages)
    assert answer.state == "stopped"
    assert len(answer.text.split()) >= 5 and full.startswith(answer.text)
    assert len(answer.text) < len(full) / 10
    assert spent < 2.0  # the other ~2,995 words would take far longer at this speed
    assert answer.stats is not None and answer.stats.estimated
    assert answer.label.startswith(f"{SMALL} · stopped")


async def test_stop_from_another_thread_through_the_loop(sim_factory):
    sim = await slow_sim(sim_factory)
    req = Conversation.new(SMALL).ask("Go on and on").request()
    async with OllamaClient(sim.host) as client:
        run = ChatRun(client, req)
        loop = asyncio.get_running_loop()
        first = asyncio.Event()

        def on_update(a: Answer) -> None:
            if a.text:
                first.set()

        task = asyncio.ensure_future(run.run(on_update))
        await first.wait()
        # What a GUI's Stop button does from its own thread.
        await asyncio.to_thread(loop.call_soon_threadsafe, run.stop)
        answer = await task
    assert answer.state == "stopped" and answer.text
    assert not task.cancelled()


async def test_cancelling_the_task_marks_the_answer_stopped_and_propagates(sim_factory):
    sim = await slow_sim(sim_factory)
    req = Conversation.new(SMALL).ask("Go on and on").request()
    async with OllamaClient(sim.host) as client:
        run = ChatRun(client, req)
        got_text = asyncio.Event()
        task = asyncio.ensure_future(run.run(lambda a: a.text and got_text.set()))
        await got_text.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert run.answer.state == "stopped" and run.answer.text


async def test_a_dropped_stream_fails_but_keeps_the_text_that_came(sim_factory):
    sim = sim_factory(installed=[SMALL], reply_words=200)
    sim.faults.drop("/api/chat", after_lines=6)
    req = Conversation.new(SMALL).ask("Hello").request()
    async with OllamaClient(sim.host) as client:
        run = ChatRun(client, req)
        answer = await run.run()
    assert answer.state == "failed" and answer.error
    assert answer.text and len(answer.text.split()) <= 6
    assert run.error is not None and str(run.error) == answer.error
    assert answer.label.startswith(f"{SMALL} · failed")


async def test_a_missing_model_fails_with_the_daemons_reason(sim):
    req = Conversation.new("absent:1b").ask("Hello").request()
    async with OllamaClient(sim.host) as client:
        answer = await ChatRun(client, req).run()
    assert answer.state == "failed" and answer.text == ""
    assert "absent:1b" in answer.error


async def test_switching_variant_mid_conversation_continues_the_same_history(sim_factory):
    sim = sim_factory(installed=[SMALL, OTHER])
    async with OllamaClient(sim.host) as client:
        conv = Conversation.new(SMALL).ask("Name a fruit")
        req = conv.request()
        conv = conv.with_answer(req, await ChatRun(client, req).run())
        conv = conv.switch_variant(OTHER).ask("What colour is it?")
        req2 = conv.request()
        second = await ChatRun(client, req2).run()
        conv = conv.with_answer(req2, second)
    first = conv.turns[0].answer
    assert first is not None and first.variant == SMALL and second.variant == OTHER
    history = [{"role": "user", "content": "Name a fruit"},
               {"role": "assistant", "content": first.text},
               {"role": "user", "content": "What colour is it?"}]
    assert list(req2.messages) == history
    # The other model, given the whole history, answers exactly what the official client gets.
    assert second.text == await official_answer(sim.host, OTHER, history)
    assert second.text != await official_answer(sim.host, OTHER, history[-1:])


async def test_regenerate_with_answers_the_last_turn_beside_the_first(sim_factory):
    sim = sim_factory(installed=[SMALL, OTHER])
    async with OllamaClient(sim.host) as client:
        conv = Conversation.new(SMALL, options=None).ask("Say something")
        req = conv.request()
        conv = conv.with_answer(req, await ChatRun(client, req).run())
        again = conv.regenerate_request(OTHER)
        alt = await ChatRun(client, again).run()
        conv = conv.with_answer(again, alt)
    turn = conv.turns[0]
    assert [a.variant for a in turn.answers] == [SMALL, OTHER]
    assert turn.chosen == 1 and turn.answers[0].text != alt.text
    assert alt.text == await official_answer(sim.host, OTHER, req.messages)
    assert {a.label.split(" · ")[0] for a in turn.answers} == {SMALL, OTHER}


async def test_options_reach_the_daemon(sim_factory):
    sim = sim_factory(installed=[SMALL], reply_words=500)
    conv = Conversation.new(SMALL)
    conv = conv.with_options(conv.options.with_value("num_predict", 7)).ask("Hi")
    async with OllamaClient(sim.host) as client:
        answer = await ChatRun(client, conv.request()).run()
    assert answer.done_reason == "length" and answer.stats is not None
    assert answer.stats.eval_tokens == 7
