"""Every simulator fault, met by the real client over loopback sockets: each one ends in the
typed error a user can act on, and the work can go on afterwards."""

from __future__ import annotations

import pytest

from quantdesk.core.ollama import (
    ConnectionDropped,
    DaemonUnreachable,
    HttpError,
    MalformedStream,
    OllamaClient,
    RequestTimeout,
    StreamStalled,
)

MODEL = "qwen2.5:0.5b"


async def _generate(client: OllamaClient) -> str:
    text = []
    async for chunk in client.generate(MODEL, "why is the sky blue?",
                                       options={"seed": 1, "temperature": 0}):
        text.append(chunk.text)
    return "".join(text)


async def _pull(client: OllamaClient, name: str) -> list[int]:
    return [p.completed async for p in client.pull(name)]


async def test_drop_mid_pull_then_a_second_pull_resumes(sim_factory):
    sim = sim_factory(pull_bandwidth=2e9, progress_interval=0.01)
    sim.faults.drop("/api/pull", after_lines=5)
    async with OllamaClient(sim.host) as client:
        with pytest.raises(ConnectionDropped):
            await _pull(client, "llama3.2:1b")
        kept = sum(done for done, _ in sim.blob_progress("llama3.2:1b").values())
        assert kept > 0
        completed = await _pull(client, "llama3.2:1b")
    assert "llama3.2:1b" in sim.installed_names()
    # The first figure of the second pull already counts what the first one kept.
    assert next(c for c in completed if c > 0) >= min(kept, completed[-1])


async def test_drop_mid_generation(sim_factory):
    sim = sim_factory(installed=[MODEL], token_rate_scale=50)
    sim.faults.drop("/api/generate", after_lines=3)
    async with OllamaClient(sim.host) as client:
        with pytest.raises(ConnectionDropped):
            await _generate(client)
        assert await _generate(client)  # the fault fired once; the daemon still answers


async def test_stall_longer_than_the_limit_is_reported(sim_factory):
    sim = sim_factory(installed=[MODEL], token_rate_scale=50)
    sim.faults.stall("/api/generate", seconds=2.0, after_lines=2)
    async with OllamaClient(sim.host, generate_stall_timeout=0.3) as client:
        with pytest.raises(StreamStalled):
            await _generate(client)


async def test_stall_shorter_than_the_limit_is_waited_out(sim_factory):
    sim = sim_factory(installed=[MODEL], token_rate_scale=50)
    sim.faults.stall("/api/generate", seconds=0.2, after_lines=2)
    async with OllamaClient(sim.host, generate_stall_timeout=2.0) as client:
        assert await _generate(client)


async def test_malformed_line(sim_factory):
    sim = sim_factory(installed=[MODEL], token_rate_scale=50)
    sim.faults.malformed("/api/generate", after_lines=2)
    async with OllamaClient(sim.host) as client:
        with pytest.raises(MalformedStream):
            await _generate(client)


async def test_http_500_carries_the_daemon_message(sim_factory):
    sim = sim_factory(installed=[MODEL])
    sim.faults.http_error("/api/tags", status=500, message="disk on fire")
    async with OllamaClient(sim.host) as client:
        with pytest.raises(HttpError) as err:
            await client.tags()
        assert err.value.status == 500
        assert "disk on fire" in str(err.value)
        assert [m.name for m in await client.tags()] == [MODEL]


async def test_slow_first_byte_within_and_beyond_the_request_timeout(sim_factory):
    sim = sim_factory()
    sim.faults.slow_first_byte("/api/version", seconds=0.3)
    async with OllamaClient(sim.host, request_timeout=2.0) as client:
        assert await client.version() == "0.32.15"
    sim.faults.slow_first_byte("/api/version", seconds=1.5)
    async with OllamaClient(sim.host, request_timeout=0.3) as client:
        with pytest.raises(RequestTimeout):
            await client.version()


async def test_daemon_restart(sim_factory):
    sim = sim_factory(installed=[MODEL], token_rate_scale=50)
    async with OllamaClient(sim.host) as client:
        await client.load(MODEL)
        assert [m.name for m in await client.ps()] == [MODEL]
        sim.stop()  # down: the client names the host it could not reach
        with pytest.raises(DaemonUnreachable) as err:
            await client.ps()
        assert sim.host in str(err.value)
        sim.restart()  # back on the same port, as a restarted daemon: runners are gone
        assert await client.ps() == []
        assert await _generate(client)


async def test_pull_survives_a_long_silent_digest_check(sim_factory):
    # A 70 s digest check (the real daemon hashes ~1.7 GiB/s: ~119 GB of new blobs) at time
    # scale 100 lasts 0.7 s; the client's stall limit is scaled the same way (60 s -> 0.6 s),
    # so silence longer than the stall limit must be waited out, not called a stall.
    from quantdesk.core.ollama import OllamaClient
    from quantdesk.sim.catalog import catalog

    size = catalog().manifest_for("qwen2.5:0.5b").total_size
    scale = 100.0
    sim = sim_factory(pull_bandwidth=4e9, verify_bandwidth=size / 70.0, time_scale=scale)
    async with OllamaClient(sim.host, pull_stall_timeout=60.0 / scale) as client:
        events = [p async for p in client.pull("qwen2.5:0.5b")]
    assert events[-1].done and events[-1].status == "success"
    assert events[-1].completed == events[-1].total > 0
    assert "qwen2.5:0.5b" in sim.installed_names()


async def test_repeated_lines_are_no_progress(sim_factory):
    # server/download.go Wait repeats the last line every 60 ms while a transfer is stuck: a
    # stall must still be noticed, after the stall limit of no progress
    from quantdesk.core.ollama import OllamaClient, StreamStalled

    sim = sim_factory(pull_bandwidth=1e9)
    sim.faults.stall_transfer("/api/pull", seconds=30, after_bytes=50_000_000)
    async with OllamaClient(sim.host, pull_stall_timeout=0.5) as client:
        with pytest.raises(StreamStalled, match=r"no progress for 0\.5 s"):
            async for _ in client.pull("qwen2.5:0.5b"):
                pass


async def test_a_pull_that_finished_behind_a_stalled_digest_check_is_finished(
    sim_factory, monkeypatch
):
    # The client's patience for the digest check runs out (a far slower hash than it allows
    # for) and it hangs up; the daemon goes on, writes the manifest, and the client, checking
    # the installed list, reports the pull finished instead of failed.
    import quantdesk.core.ollama.progress as progress
    from quantdesk.core.ollama import OllamaClient
    from quantdesk.sim.catalog import catalog

    size = catalog().manifest_for("qwen2.5:0.5b").total_size
    sim = sim_factory(pull_bandwidth=4e9, verify_bandwidth=size / 0.5)  # 0.5 s of hashing
    monkeypatch.setattr(progress, "MIN_HASH_RATE", 1e15)  # allows no time for hashing
    async with OllamaClient(sim.host, pull_stall_timeout=0.3) as client:
        events = [p async for p in client.pull("qwen2.5:0.5b")]
    assert events[-1].done and events[-1].status == "success"
    assert "qwen2.5:0.5b" in sim.installed_names()
