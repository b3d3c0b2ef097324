"""/api/pull over a real socket: progress lines, errors, resume after cancel."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from quantdesk.sim.catalog import catalog


def pull_lines(sim, model, **extra):
    with httpx.stream(
        "POST", sim.url + "/api/pull", json={"model": model, **extra}, timeout=10
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/x-ndjson"
        assert r.headers["transfer-encoding"] == "chunked"
        return [json.loads(line) for line in r.iter_lines()]


def test_pull_streams_every_blob_then_success(sim_factory):
    sim = sim_factory(pull_bandwidth=2e9)
    manifest = catalog().manifest_for("qwen2.5:0.5b")
    lines = pull_lines(sim, "qwen2.5:0.5b")
    assert lines[0] == {"status": "pulling manifest"}
    assert [x["status"] for x in lines[-3:]] == [
        "verifying sha256 digest",
        "writing manifest",
        "success",
    ]
    progress = lines[1:-3]
    # server/download.go Wait: one line per 60 ms tick while the blob downloads, so the
    # kilobyte blobs (done within a tick) send none, and no line reaches completed == total
    assert {x["digest"] for x in progress} == {manifest.layers[0].digest}
    weights = progress
    assert weights[0]["status"] == "pulling " + manifest.layers[0].digest[7:19]
    completed = [x.get("completed", 0) for x in weights]
    assert len(completed) >= 2 and completed == sorted(completed)
    assert completed[-1] < weights[0]["total"] == manifest.layers[0].size
    assert sim.installed_names() == ["qwen2.5:0.5b"]


def test_digest_check_is_silent_in_proportion_to_the_blob(sim_factory):
    # verifyBlob hashes ~1.7 GiB/s: qwen2.5:0.5b's 0.4 GB is 0.22 s of silence at time scale
    # 1; a 141 GB model would be 80 s. The verify bandwidth is lowered here to make it 2 s.
    import time

    sim = sim_factory(pull_bandwidth=4e9, verify_bandwidth=200e6)
    size = catalog().manifest_for("qwen2.5:0.5b").total_size
    stamps = []
    with httpx.stream("POST", sim.url + "/api/pull", json={"model": "qwen2.5:0.5b"},
                      timeout=30) as r:
        for line in r.iter_lines():
            stamps.append((json.loads(line)["status"], time.monotonic()))
    at = {s: t for s, t in stamps}
    silence = at["writing manifest"] - at["verifying sha256 digest"]
    assert silence == pytest.approx(size / 200e6, rel=0.25)


def test_stalled_transfer_repeats_its_last_line(sim_factory):
    sim = sim_factory(pull_bandwidth=1e9)
    sim.faults.stall_transfer("/api/pull", seconds=0.6, after_bytes=100_000_000)
    lines = pull_lines(sim, "qwen2.5:0.5b")
    weights = [x for x in lines if x.get("total", 0) > 10**8]
    runs: dict[int, int] = {}
    for x in weights:
        runs[x.get("completed", 0)] = runs.get(x.get("completed", 0), 0) + 1
    # ~10 ticks of 60 ms carry the same completed value: the daemon never goes silent
    assert max(runs.values()) >= 6
    assert lines[-1] == {"status": "success"}


def test_blobs_already_present_yield_one_complete_line(sim_factory):
    sim = sim_factory(installed=["llama3.1:8b"])
    lines = pull_lines(sim, "llama3.1:latest")
    progress = lines[1:-3]
    assert len(progress) == len(catalog().manifest_for("llama3.1:8b").blobs)
    assert all(x["completed"] == x["total"] for x in progress)
    assert set(sim.installed_names()) == {"llama3.1:8b", "llama3.1:latest"}


def test_bandwidth_paces_the_pull(sim_factory):
    sim = sim_factory(pull_bandwidth=2e10, progress_interval=0.01)
    lines = pull_lines(sim, "llama3.2:3b")  # 2 GB at 20 GB/s: ~0.1 s, ~10 ticks
    weights = [x for x in lines if x.get("total", 0) > 10**9]
    assert 5 <= len(weights) <= 40


def test_missing_tag_is_200_then_error_line(sim):
    lines = pull_lines(sim, "llama3.1:9000b")
    assert lines == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]


def test_other_registry_host_fails_in_band(sim):
    lines = pull_lines(sim, "example.invalid/ns/model:tag")
    assert "example.invalid" in lines[-1]["error"]


def test_stream_false(sim):
    r = httpx.post(
        sim.url + "/api/pull", json={"model": "qwen2.5:0.5b", "stream": False}, timeout=10
    )
    assert (r.status_code, r.json()) == (200, {"status": "success"})
    r = httpx.post(sim.url + "/api/pull", json={"model": "qwen2.5:99b", "stream": False})
    assert (r.status_code, r.json()) == (500, {"error": "pull model manifest: file does not exist"})


@pytest.mark.parametrize("body", [{"model": "bad name"}, {"model": "x:"}])
def test_invalid_name_is_400(sim, body):
    r = httpx.post(sim.url + "/api/pull", json=body)
    assert (r.status_code, r.json()) == (400, {"error": "invalid model name"})


def test_cancelled_pull_keeps_partial_progress_and_resumes(sim_factory):
    sim = sim_factory(pull_bandwidth=2e10, progress_interval=0.01)
    weights = catalog().manifest_for("llama3.1:8b").layers[0]
    with httpx.stream("POST", sim.url + "/api/pull", json={"model": "llama3.1:8b"}) as r:
        for line in r.iter_lines():
            if json.loads(line).get("completed", 0) > weights.size // 10:
                break  # the client goes away mid-blob
    done = sim.blob_progress("llama3.1:8b")[weights.digest][0]
    assert 0 < done < weights.size
    lines = pull_lines(sim, "llama3.1:8b")
    first = next(x for x in lines if x.get("digest") == weights.digest)
    assert first["completed"] >= done  # resumed, not restarted
    assert lines[-1] == {"status": "success"}


def test_two_pulls_of_one_model_share_the_download(sim_factory):
    sim = sim_factory(pull_bandwidth=2e10, progress_interval=0.01)
    results: list[list[dict]] = []
    threads = [
        threading.Thread(target=lambda: results.append(pull_lines(sim, "llama3.2:3b")))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 2 and all(r[-1] == {"status": "success"} for r in results)
    assert sim.installed_names() == ["llama3.2:3b"]
