"""/api/generate, /api/chat and /api/ps over a real socket."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from quantdesk.sim.memory import GIB


@pytest.fixture
def sim8(sim_factory):
    return sim_factory(
        installed=[
            "llama3.1:8b-instruct-q4_K_M",
            "llama3.1:8b-instruct-fp16",
            "llama3.1:8b-instruct-q2_K",
            "qwen3:4b",
        ]
    )


def post(sim, path, **body):
    return httpx.post(sim.url + path, json=body, timeout=10)


def stream(sim, path, **body):
    with httpx.stream("POST", sim.url + path, json=body, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in r.iter_lines()]


def ps(sim):
    return httpx.get(sim.url + "/api/ps").json()["models"]


def test_load_then_ps_then_unload(sim8):
    r = post(sim8, "/api/generate", model="llama3.1:8b-instruct-q4_K_M")
    body = r.json()
    assert r.status_code == 200 and body["done"] and body["done_reason"] == "load"
    assert body["response"] == ""
    [m] = ps(sim8)
    assert m["name"] == "llama3.1:8b-instruct-q4_K_M"
    assert m["size"] == m["size_vram"] > 4_900_000_000  # weights + KV + graph, all on GPU
    assert m["context_length"] == 32768  # 24 GiB VRAM tier on 0.32
    expires = datetime.fromisoformat(m["expires_at"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    r = post(sim8, "/api/generate", model="llama3.1:8b-instruct-q4_K_M", keep_alive=0)
    assert r.json()["done_reason"] == "unload"
    assert ps(sim8) == []
    # Unloading what is not loaded is still fine.
    assert post(sim8, "/api/chat", model="qwen3:4b", messages=[], keep_alive=0).status_code == 200


def test_chat_load_shape_and_keep_alive_forms(sim8):
    r = post(
        sim8, "/api/chat", model="qwen3:4b", messages=[], keep_alive=-1, options={"num_ctx": 2048}
    )
    body = r.json()
    assert body["message"] == {"role": "assistant", "content": ""}
    assert body["done_reason"] == "load"
    [m] = ps(sim8)
    assert m["context_length"] == 2048
    assert datetime.fromisoformat(m["expires_at"]).year > 2200  # forever
    post(sim8, "/api/generate", model="qwen3:4b", keep_alive="90s")
    [m] = ps(sim8)
    left = datetime.fromisoformat(m["expires_at"]) - datetime.now(UTC)
    assert timedelta(seconds=80) < left <= timedelta(seconds=90)


@pytest.mark.parametrize("value", ["3600", "-1", "soon"])
def test_keep_alive_numeric_strings_are_rejected(sim8, value):
    r = post(sim8, "/api/generate", model="qwen3:4b", keep_alive=value)
    assert r.status_code == 400 and "duration" in r.json()["error"]


def test_generate_stream_shape_metrics_and_context(sim8):
    lines = stream(
        sim8,
        "/api/generate",
        model="llama3.1:8b-instruct-q4_K_M",
        prompt="Why is the sky blue?",
        options={"temperature": 0, "seed": 7},
    )
    chunks, final = lines[:-1], lines[-1]
    assert chunks and all(c["done"] is False and c["response"] for c in chunks)
    assert all(c["model"] == "llama3.1:8b-instruct-q4_K_M" and c["created_at"] for c in chunks)
    assert final["done"] and final["done_reason"] == "stop" and final["response"] == ""
    for key in (
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration",
    ):
        assert isinstance(final[key], int) and final[key] > 0
    assert final["eval_count"] == len(chunks)
    assert final["total_duration"] >= final["load_duration"] + final["eval_duration"]
    assert len(final["context"]) == final["eval_count"] + 5
    again = stream(
        sim8,
        "/api/generate",
        model="llama3.1:8b-instruct-q4_K_M",
        prompt="Why is the sky blue?",
        options={"temperature": 0, "seed": 7},
    )
    assert [c["response"] for c in again[:-1]] == [c["response"] for c in chunks]


def test_num_predict_gives_length(sim8):
    r = post(
        sim8,
        "/api/generate",
        model="llama3.1:8b-instruct-fp16",
        prompt="hi",
        stream=False,
        options={"num_predict": 5},
    )
    body = r.json()
    assert body["done_reason"] == "length" and body["eval_count"] == 5
    assert len(body["response"].split()) == 5


def test_quality_and_speed_follow_bits(sim_factory):
    sim = sim_factory(
        installed=["llama3.1:8b-instruct-fp16", "llama3.1:8b-instruct-q2_K"], token_rate_scale=20.0
    )
    out = {}
    for tag in ("fp16", "q2_K"):
        body = post(
            sim,
            "/api/generate",
            model=f"llama3.1:8b-instruct-{tag}",
            prompt="explain quantization",
            stream=False,
            options={"temperature": 0, "num_predict": 40},
        ).json()
        out[tag] = (body["response"].split(), body["eval_count"] / body["eval_duration"] * 1e9)
    ref, low = out["fp16"][0], out["q2_K"][0]
    first_diff = next(i for i, (a, b) in enumerate(zip(ref, low, strict=False)) if a != b)
    assert 0 < first_diff < len(ref)  # agrees at first, then leaves the fp16 text
    assert out["q2_K"][1] > out["fp16"][1]  # fewer bits, faster tokens


def test_chat_thinking_and_logprobs(sim8):
    lines = stream(
        sim8,
        "/api/chat",
        model="qwen3:4b",
        logprobs=True,
        top_logprobs=3,
        messages=[{"role": "user", "content": "hello"}],
    )
    thinking = [c for c in lines[:-1] if c["message"].get("thinking")]
    answer = [c for c in lines[:-1] if c["message"]["content"]]
    assert thinking and answer and lines.index(thinking[-1]) < lines.index(answer[0])
    for c in lines[:-1]:
        [lp] = c["logprobs"]
        assert len(lp["top_logprobs"]) == 3
        assert lp["logprob"] <= 0 and lp["bytes"] == list(lp["token"].encode())
    assert lines[-1]["message"] == {"role": "assistant", "content": ""}
    assert "context" not in lines[-1]
    r = post(
        sim8,
        "/api/chat",
        model="qwen3:4b",
        think=False,
        stream=False,
        messages=[{"role": "user", "content": "hello"}],
    )
    assert "thinking" not in r.json()["message"] and r.json()["message"]["content"]


def test_request_errors(sim8):
    def err(path, status, **body):
        r = post(sim8, path, **body)
        assert r.status_code == status, r.text
        return r.json()["error"]

    assert err("/api/generate", 404, model="nope", prompt="x") == "model 'nope' not found"
    assert err("/api/generate", 404, model="", prompt="x") == "model '' not found"
    assert err("/api/chat", 400, model="", messages=[]) == "model is required"
    assert (
        err("/api/generate", 400, model="qwen3:4b", prompt="x", top_logprobs=21)
        == "top_logprobs must be between 0 and 20"
    )
    assert "does not support thinking" in err(
        "/api/generate", 400, prompt="x", think=True, model="llama3.1:8b-instruct-q2_K"
    )
    assert (
        err("/api/generate", 400, model="qwen3:4b", prompt="x", options={"num_ctx": "big"})
        == 'option "num_ctx" must be of type integer'
    )


def test_logprobs_need_0_12_11(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"], version="0.12.10")
    body = post(
        sim,
        "/api/generate",
        model="qwen2.5:0.5b",
        prompt="x",
        stream=False,
        logprobs=True,
        top_logprobs=50,
    ).json()
    assert "logprobs" not in body and body["response"]


@pytest.mark.parametrize(
    ("version", "text"),
    [
        ("0.29.1", "model requires more system memory"),
        ("0.32.15", "llama-server reported out-of-memory during startup"),
    ],
)
def test_oom_message_depends_on_version(sim_factory, version, text):
    sim = sim_factory(
        installed=["llama3.1:8b-instruct-fp16"],
        version=version,
        vram_bytes=4 * GIB,
        ram_bytes=8 * GIB,
    )
    r = post(sim, "/api/generate", model="llama3.1:8b-instruct-fp16", prompt="x")
    assert r.status_code == 500 and r.json()["error"].startswith(text)
    assert ps(sim) == []


def test_partial_offload_reports_size_vram_below_size(sim_factory):
    sim = sim_factory(installed=["llama3.1:8b"], vram_bytes=3 * GIB, ram_bytes=32 * GIB)
    post(sim, "/api/generate", model="llama3.1:8b", options={"num_ctx": 4096})
    [m] = ps(sim)
    assert 0 < m["size_vram"] < 3 * GIB < m["size"]


def test_ps_sorted_by_remaining_keep_alive_and_expiry(sim8):
    # At 2k context all three fit the 24 GiB card together, so nothing is evicted.
    small = {"num_ctx": 2048}
    post(sim8, "/api/generate", model="qwen3:4b", keep_alive="10m", options=small)
    post(sim8, "/api/generate", model="llama3.1:8b-instruct-q2_K", keep_alive="1h",
         options=small)
    post(sim8, "/api/generate", model="llama3.1:8b-instruct-fp16", keep_alive="50ms",
         options=small)
    names = [m["name"] for m in ps(sim8)]
    assert names[:2] == ["llama3.1:8b-instruct-q2_K", "qwen3:4b"]
    time.sleep(0.1)
    assert "llama3.1:8b-instruct-fp16" not in [m["name"] for m in ps(sim8)]


def test_ps_before_0_10_has_no_context_length(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"], version="0.9.6", loaded=["qwen2.5:0.5b"])
    [m] = ps(sim)
    assert "context_length" not in m and m["size"] > 0
    assert sim.loaded_names() == ["qwen2.5:0.5b"]
