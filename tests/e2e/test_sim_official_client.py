"""The simulator's shapes, proven with the official ``ollama`` Python client."""

from __future__ import annotations

import ollama
import pytest


@pytest.fixture
def client(sim_factory):
    sim = sim_factory(installed=["llama3.1:8b", "qwen3:4b"])
    with ollama.Client(host=sim.url) as c:
        yield c


def test_list_and_show(client):
    models = client.list().models
    assert [m.model for m in models] == ["llama3.1:8b", "qwen3:4b"]
    first = models[0]
    assert first.size > 4_000_000_000 and len(first.digest) == 64
    assert first.details.quantization_level == "Q4_K_M" and first.modified_at is not None
    shown = client.show("llama3.1:8b")
    assert shown.modelinfo["llama.block_count"] == 32
    assert shown.capabilities == ["completion", "tools"]
    assert shown.details.family == "llama" and "stop" in shown.parameters


def test_pull_streamed(client):
    statuses, totals = [], set()
    for part in client.pull("qwen2.5:0.5b", stream=True):
        statuses.append(part.status)
        if part.total:
            totals.add(part.total)
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    assert "verifying sha256 digest" in statuses
    # server/download.go Wait: a blob done within one 60 ms tick sends no line, so on a fast
    # link the weights may never show a total; what was shown is never more than the model
    sizes = {m.model: m.size for m in client.list().models}
    assert "qwen2.5:0.5b" in sizes and sum(totals) <= sizes["qwen2.5:0.5b"]
    with pytest.raises(ollama.ResponseError) as exc:
        list(client.pull("qwen2.5:404b", stream=True))
    assert "file does not exist" in str(exc.value)


def test_generate_and_ps(client):
    r = client.generate("llama3.1:8b", "Why is the sky blue?", options={"temperature": 0})
    assert r.done and r.done_reason == "stop" and r.response
    assert r.eval_count and r.eval_duration and r.context
    [running] = client.ps().models
    assert running.model == "llama3.1:8b" and running.size_vram == running.size
    assert running.context_length == 32768 and running.expires_at is not None


def test_chat_streamed_with_thinking(client):
    parts = list(
        client.chat(
            "qwen3:4b",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            logprobs=True,
            top_logprobs=2,
        )
    )
    assert any(p.message.thinking for p in parts)
    assert "".join(p.message.content or "" for p in parts)
    assert parts[-1].done and parts[-1].done_reason == "stop"
    assert parts[0].logprobs and len(parts[0].logprobs[0].top_logprobs) == 2


def test_copy_delete_and_errors(client):
    assert client.copy("llama3.1:8b", "backup").status == "success"
    assert "backup:latest" in [m.model for m in client.list().models]
    assert client.delete("backup").status == "success"
    with pytest.raises(ollama.ResponseError) as exc:
        client.delete("backup")
    assert exc.value.status_code == 404
    with pytest.raises(ollama.ResponseError) as exc:
        client.generate("nope", "x")
    assert exc.value.status_code == 404 and "not found" in exc.value.error
