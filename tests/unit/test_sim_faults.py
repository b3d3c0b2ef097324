"""Fault injection: drops, stalls, malformed lines, HTTP errors, slow starts, restarts."""

from __future__ import annotations

import itertools
import json
import time

import httpx
import pytest


def test_drop_mid_pull_after_n_lines(sim):
    sim.faults.drop("/api/pull", after_lines=2)
    got = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", sim.url + "/api/pull", json={"model": "qwen2.5:0.5b"}) as r,
    ):
        got.extend(json.loads(line) for line in r.iter_lines())
    assert len(got) == 2
    # Fires once: the next pull completes.
    with httpx.stream("POST", sim.url + "/api/pull", json={"model": "qwen2.5:0.5b"}) as r:
        assert json.loads(list(r.iter_lines())[-1]) == {"status": "success"}
    assert [f.kind for f in sim.faults.fired] == ["drop"]


def test_drop_plain_body_after_bytes(sim):
    sim.faults.drop("/api/tags", after_bytes=5)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(sim.url + "/api/tags")
    assert httpx.get(sim.url + "/api/tags").json() == {"models": []}


def test_stall_then_carry_on(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    sim.faults.stall("/api/generate", seconds=0.3, after_lines=1)
    stamps = []
    with httpx.stream(
        "POST", sim.url + "/api/generate", json={"model": "qwen2.5:0.5b", "prompt": "x"}
    ) as r:
        for line in r.iter_lines():
            stamps.append((time.monotonic(), json.loads(line)))
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(stamps)]
    assert max(gaps) >= 0.25 and gaps.index(max(gaps)) == 0
    assert stamps[-1][1]["done"] is True


def test_malformed_line_in_stream(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    sim.faults.malformed("/api/chat", after_lines=1, model="qwen2.5:0.5b")
    with httpx.stream(
        "POST",
        sim.url + "/api/chat",
        json={"model": "qwen2.5:0.5b", "messages": [{"role": "user", "content": "x"}]},
    ) as r:
        lines = list(r.iter_lines())
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[1])
    assert json.loads(lines[0])["done"] is False and json.loads(lines[-1])["done"] is True


def test_fault_for_another_model_does_not_fire(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    sim.faults.http_error("/api/show", status=500, message="boom", model="llama3.1:8b")
    assert httpx.post(sim.url + "/api/show", json={"model": "qwen2.5:0.5b"}).status_code == 200
    assert len(sim.faults.armed) == 1


def test_http_error_fires_n_times(sim):
    sim.faults.http_error("/api/ps", status=503, message="busy", times=2)
    for _ in range(2):
        r = httpx.get(sim.url + "/api/ps")
        assert (r.status_code, r.json()) == (503, {"error": "busy"})
    assert httpx.get(sim.url + "/api/ps").status_code == 200


def test_slow_first_byte(sim):
    # A long delay against a wide bound: the second answer coming well before 2 s shows the
    # fault was spent on the first request, even on a loaded machine.
    sim.faults.slow_first_byte("/api/version", seconds=2.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sim.url + "/api/version", timeout=httpx.Timeout(5, read=0.1))
    start = time.monotonic()
    assert httpx.get(sim.url + "/api/version").status_code == 200
    assert time.monotonic() - start < 1.5


def test_restart_same_port_loses_runners_keeps_partials(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"], pull_bandwidth=2e10, progress_interval=0.01)
    httpx.post(sim.url + "/api/generate", json={"model": "qwen2.5:0.5b"})
    assert sim.loaded_names() == ["qwen2.5:0.5b"]
    with httpx.stream("POST", sim.url + "/api/pull", json={"model": "llama3.1:8b"}) as r:
        for line in r.iter_lines():
            if json.loads(line).get("completed"):
                break
    port = sim.port
    sim.restart()
    assert sim.port == port and sim.running
    assert httpx.get(sim.url + "/api/ps").json() == {"models": []}
    assert sim.installed_names() == ["qwen2.5:0.5b"]
    assert any(0 < done < size for done, size in sim.blob_progress("llama3.1:8b").values())


def test_stop_cuts_streams_in_flight(sim_factory):
    sim = sim_factory(pull_bandwidth=1e9, progress_interval=0.01)
    with (
        pytest.raises(httpx.HTTPError),
        httpx.stream("POST", sim.url + "/api/pull", json={"model": "llama3.1:8b"}) as r,
    ):
        for n, _ in enumerate(r.iter_lines()):
            if n == 2:
                sim.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(sim.url + "/")
