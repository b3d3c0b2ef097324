"""Core's pull queue on one asyncio loop (as ``quantdesk pull`` and a comparison use it),
against the simulated daemon over loopback."""

from __future__ import annotations

import asyncio

import pytest

from quantdesk.core.ollama import OllamaClient
from quantdesk.core.pulls import (
    AsyncPullRunner,
    PullFailed,
    PullQueue,
    PullState,
    pull_and_wait,
    queue_puller,
)
from quantdesk.core.pulls import disk as disk_module
from quantdesk.core.pulls.disk import DiskCheck

SMALL = "qwen2.5:0.5b-instruct-q2_K"
OTHER = "qwen2.5:0.5b-instruct-q4_K_M"


@pytest.fixture(autouse=True)
def _roomy_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("OLLAMA_MODELS", str(tmp_path))
    monkeypatch.setattr(disk_module, "free_space", lambda folder: DiskCheck(folder, 10**13))


async def test_one_at_a_time_in_order_and_no_duplicates(sim_factory):
    sim = sim_factory(pull_bandwidth=3e9, progress_interval=0.005)
    changes: list[PullState] = []
    async with OllamaClient(sim.host) as client:
        queue = PullQueue(AsyncPullRunner(), lambda: client, on_change=changes.append)
        first = asyncio.ensure_future(pull_and_wait(queue, SMALL))
        second = asyncio.ensure_future(pull_and_wait(queue, OTHER))
        await asyncio.sleep(0)
        assert [s.phase for s in queue.states()] == ["pulling", "queued"]
        queue.pull(SMALL)  # already downloading: left alone
        assert len(queue.states()) == 2
        done = await asyncio.gather(first, second)
    assert [s.phase for s in done] == ["done", "done"]
    assert set(sim.installed_names()) == {SMALL, OTHER}
    # The second started only when the first had finished.
    first_done = next(i for i, s in enumerate(changes) if s.name == SMALL and s.phase == "done")
    second_start = next(i for i, s in enumerate(changes)
                        if s.name == OTHER and s.phase == "pulling")
    assert second_start > first_done
    progress = [s.completed for s in changes if s.name == SMALL and s.phase == "pulling"]
    assert progress == sorted(progress) and progress[-1] > 0
    assert all(s.layers for s in changes if s.phase == "pulling" and s.total > 0)


async def test_a_missing_tag_fails_with_the_daemons_words_and_retry_counts_attempts(sim):
    async with OllamaClient(sim.host) as client:
        queue = PullQueue(AsyncPullRunner(), lambda: client)
        with pytest.raises(PullFailed) as err:
            await pull_and_wait(queue, "qwen2.5:no-such-tag")
        assert "file does not exist" in str(err.value)
        assert queue.state("qwen2.5:no-such-tag").phase == "failed"
        with pytest.raises(PullFailed):
            await pull_and_wait(queue, "qwen2.5:no-such-tag")
        assert queue.state("qwen2.5:no-such-tag").attempt == 2


async def test_cancelling_the_wait_cancels_the_pull_and_the_daemon_keeps_the_part(sim_factory):
    sim = sim_factory(pull_bandwidth=2e8, progress_interval=0.01)
    async with OllamaClient(sim.host) as client:
        queue = PullQueue(AsyncPullRunner(), lambda: client)
        waiting = asyncio.ensure_future(pull_and_wait(queue, SMALL))
        for _ in range(500):
            await asyncio.sleep(0.01)
            state = queue.state(SMALL)
            if state is not None and state.completed > 0:
                break
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        for _ in range(200):
            if not queue.has_active():
                break
            await asyncio.sleep(0.01)
    assert queue.state(SMALL).phase == "cancelled"
    assert SMALL not in sim.installed_names()
    assert any(have > 0 for have, _ in sim.blob_progress(SMALL).values())


async def test_a_queued_pull_cancelled_never_starts(sim_factory):
    sim = sim_factory(pull_bandwidth=3e9)
    async with OllamaClient(sim.host) as client:
        queue = PullQueue(AsyncPullRunner(), lambda: client)
        queue.pull(SMALL)
        running = asyncio.ensure_future(pull_and_wait(queue, SMALL))  # waits for that one
        queue.pull(OTHER)
        assert queue.state(OTHER).phase == "queued"
        queue.cancel(OTHER)
        assert queue.state(OTHER).phase == "cancelled"
        await running
    assert sim.installed_names() == [SMALL]


async def test_the_comparisons_puller_reports_progress_to_the_end(sim_factory):
    sim = sim_factory(pull_bandwidth=3e9, progress_interval=0.005)
    seen = []
    async with OllamaClient(sim.host) as client:
        await queue_puller(client)(SMALL, seen.append)
    assert seen and seen[-1].done and seen[-1].completed == seen[-1].total > 0
    assert SMALL in sim.installed_names()


async def test_short_disk_stops_before_the_first_byte(sim, monkeypatch, tmp_path):
    monkeypatch.setattr(disk_module, "free_space", lambda folder: DiskCheck(folder, 10**6))
    async with OllamaClient(sim.host) as client:
        queue = PullQueue(AsyncPullRunner(), lambda: client)
        queue.pull(SMALL, expected_bytes=400_000_000)
        for _ in range(200):
            if not queue.has_active():
                break
            await asyncio.sleep(0.01)
    state = queue.state(SMALL)
    assert state.phase == "failed" and "Not enough disk space" in state.message
    assert str(tmp_path) in state.message
    assert all(done == 0 for done, _ in sim.blob_progress(SMALL).values())
