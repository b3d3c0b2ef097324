"""Content types and loads as Ollama's handlers produce them, read from the Go source
(server/routes.go, gin's render.JSON):

- gin's ``c.JSON`` writes ``application/json; charset=utf-8`` only when no Content-Type was set;
- ``waitForStream`` (``stream: false`` pull, push and create) and ``streamResponse`` (an error
  before a stream's first line) set a bare ``application/json`` first, which gin then keeps;
- GenerateHandler/ChatHandler set ``application/json; charset=utf-8`` for ``stream: false``;
- EmbedHandler and EmbeddingsHandler call ``scheduleRunner`` before they look at the input, so
  an empty input still loads the model.
"""

from __future__ import annotations

import httpx
import pytest

UTF8 = "application/json; charset=utf-8"
BARE = "application/json"


def post(sim, path, **body):
    return httpx.post(sim.url + path, json=body, timeout=30)


def test_stream_false_pull_is_bare_json(sim_factory):
    sim = sim_factory()
    r = post(sim, "/api/pull", model="qwen2.5:0.5b", stream=False)
    assert (r.status_code, r.headers["content-type"], r.json()) == (
        200, BARE, {"status": "success"})


def test_stream_false_pull_error_is_bare_json(sim_factory):
    sim = sim_factory()
    r = post(sim, "/api/pull", model="qwen2.5:no-such-tag", stream=False)
    assert (r.status_code, r.headers["content-type"]) == (500, BARE)
    assert "file does not exist" in r.json()["error"]


def test_insecure_pull_refusal_comes_from_the_stream(sim_factory):
    sim = sim_factory()
    r = post(sim, "/api/pull", model="http://example.com/library/x:1")
    assert (r.status_code, r.headers["content-type"], r.json()) == (
        500, BARE, {"error": "insecure protocol http"})


def test_handler_level_refusals_keep_gins_default(sim_factory):
    sim = sim_factory()
    r = post(sim, "/api/pull", model="not a name!")
    assert (r.status_code, r.headers["content-type"]) == (400, UTF8)
    r = post(sim, "/api/generate", model="absent:1b", prompt="hi")
    assert (r.status_code, r.headers["content-type"]) == (404, UTF8)


def test_stream_false_push_and_create_are_bare_json(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    r = post(sim, "/api/create", model="mine:1", **{"from": "qwen2.5:0.5b"}, stream=False)
    assert (r.status_code, r.headers["content-type"], r.json()) == (
        200, BARE, {"status": "success"})
    r = post(sim, "/api/push", model="mine:1", stream=False)
    assert (r.status_code, r.headers["content-type"]) == (500, BARE)
    assert r.json()["error"].startswith("unauthorized: unknown ollama key")


@pytest.mark.parametrize(("stream", "expected"), [(True, BARE), (False, UTF8)])
def test_prompt_too_long_type_depends_on_streaming(sim_factory, stream, expected):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    r = post(sim, "/api/generate", model="qwen2.5:0.5b", prompt="word " * 64,
             options={"num_ctx": 16}, truncate=False, shift=False, stream=stream)
    assert (r.status_code, r.headers["content-type"]) == (400, expected)
    assert r.json()["error"].startswith("the prompt is longer than the context length")


def test_stream_false_generate_is_utf8_json(sim_factory):
    sim = sim_factory(installed=["qwen2.5:0.5b"])
    r = post(sim, "/api/generate", model="qwen2.5:0.5b", prompt="hi", stream=False,
             options={"num_predict": 2})
    assert (r.status_code, r.headers["content-type"]) == (200, UTF8)


@pytest.mark.parametrize(("path", "body", "empty"), [
    ("/api/embed", {"input": []}, {"embeddings": []}),
    ("/api/embed", {"input": ""}, {"embeddings": []}),
    ("/api/embeddings", {"prompt": ""}, {"embedding": []}),
])
def test_an_empty_embedding_input_still_loads_the_model(sim_factory, path, body, empty):
    sim = sim_factory(installed=["nomic-embed-text:latest"])
    assert httpx.get(sim.url + "/api/ps", timeout=10).json()["models"] == []
    r = post(sim, path, model="nomic-embed-text", keep_alive="7m", **body)
    assert r.status_code == 200
    assert {k: r.json()[k] for k in empty} == empty
    loaded = httpx.get(sim.url + "/api/ps", timeout=10).json()["models"]
    assert [m["name"] for m in loaded] == ["nomic-embed-text:latest"]


def test_embed_refuses_a_bad_keep_alive_before_loading(sim_factory):
    sim = sim_factory(installed=["nomic-embed-text:latest"])
    r = post(sim, "/api/embed", model="nomic-embed-text", input="x", keep_alive="soon")
    assert r.status_code == 400
    assert httpx.get(sim.url + "/api/ps", timeout=10).json()["models"] == []
