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
