"""Real clients against the simulator: the official ``ollama`` client's every method and the
``openai`` client against /v1. Expected texts quote the Go source (v0.32.15) where they are
errors."""

from __future__ import annotations

import hashlib
import json

import httpx
import ollama
import openai
import pytest


@pytest.fixture
def sim(sim_factory):
    return sim_factory(installed=["qwen3:4b", "gemma2:9b", "nomic-embed-text", "llama3.2:1b"],
                       token_rate_scale=50)


@pytest.fixture
def client(sim):
    with ollama.Client(host=sim.url) as c:
        yield c


def test_embed_and_legacy_embeddings(client):
    r = client.embed("nomic-embed-text", ["the sky is blue", "grass is green"])
    assert len(r.embeddings) == 2 and len(r.embeddings[0]) == 768  # nomic-bert n_embd
    assert sum(x * x for x in r.embeddings[0]) == pytest.approx(1.0, abs=1e-5)  # normalize()
    short = client.embed("nomic-embed-text", "the sky is blue", dimensions=64)
    assert len(short.embeddings[0]) == 64
    assert sum(x * x for x in short.embeddings[0]) == pytest.approx(1.0, abs=1e-5)
    legacy = client.embeddings("nomic-embed-text", "the sky is blue")
    assert len(legacy.embedding) == 768
    with pytest.raises(ollama.ResponseError) as exc:
        client.embed("nomic-embed-text", "word " * 9000, truncate=False)
    # server/routes.go EmbedHandler: ErrorMessage: "the input length exceeds the context length"
    assert exc.value.status_code == 400
    assert exc.value.error == "the input length exceeds the context length"


def test_create_from_an_installed_model_and_from_blobs(client, sim):
    parts = list(client.create("my-qwen", from_="qwen3:4b", system="You are terse.",
                               stream=True))
    statuses = [p.status for p in parts]
    # manifest/layer.go: "using existing layer" / "creating new layer"; create.go: "writing
    # manifest", then "success"
    assert any(s.startswith("using existing layer sha256:") for s in statuses)
    assert any(s.startswith("creating new layer sha256:") for s in statuses)
    assert statuses[-2:] == ["writing manifest", "success"]
    assert "my-qwen:latest" in [m.model for m in client.list().models]
    with pytest.raises(ollama.ResponseError) as exc:
        client.create("q8", from_="qwen3:4b", quantize="q8_0")
    # server/create.go: "quantization is only supported for F16, BF16 and F32 models"
    assert exc.value.error == "quantization is only supported for F16, BF16 and F32 models"


def test_blobs_head_and_upload(sim, tmp_path, client):
    data = b"GGUF fake adapter bytes"
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    assert httpx.head(f"{sim.url}/api/blobs/{digest}").status_code == 404
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    assert client.create_blob(path) == digest  # HEAD 404, then POST -> 201
    assert httpx.head(f"{sim.url}/api/blobs/{digest}").status_code == 200
    bad = httpx.post(f"{sim.url}/api/blobs/sha256:{'0' * 64}", content=data)
    assert bad.status_code == 400 and bad.json()["error"].startswith("digest mismatch")


def test_push_without_signin_is_refused(client):
    with pytest.raises(ollama.ResponseError) as exc:
        list(client.push("qwen3:4b", stream=True))
    # types/errtypes: fmt.Sprintf("unauthorized: %s %q", "unknown ollama key", key)
    assert exc.value.error.startswith('unauthorized: unknown ollama key "ssh-ed25519 ')


def test_format_json_and_schema(client):
    r = client.chat("llama3.2:1b", messages=[{"role": "user", "content": "list a city"}],
                    format="json")
    assert isinstance(json.loads(r.message.content), dict)
    schema = {"type": "object", "properties": {
        "city": {"type": "string"}, "population": {"type": "integer", "minimum": 1},
        "coastal": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"},
                                                 "minItems": 2}},
        "required": ["city", "population", "coastal", "tags"]}
    r = client.generate("llama3.2:1b", "describe a city", format=schema)
    value = json.loads(r.response)
    assert set(value) == {"city", "population", "coastal", "tags"}
    assert isinstance(value["population"], int) and value["population"] >= 1
    assert isinstance(value["coastal"], bool) and len(value["tags"]) >= 2


WEATHER = {"type": "function", "function": {
    "name": "get_current_weather", "description": "weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


def test_tools_on_a_capable_model_and_refusal(client):
    r = client.chat("qwen3:4b", messages=[{"role": "user", "content": "what is the weather "
                                           "in Paris?"}], tools=[WEATHER], think=False)
    [call] = r.message.tool_calls
    assert call.function.name == "get_current_weather" and "city" in call.function.arguments
    plain = client.chat("qwen3:4b", messages=[{"role": "user", "content": "say hi"}],
                        tools=[WEATHER], think=False)
    assert not plain.message.tool_calls and plain.message.content
    with pytest.raises(ollama.ResponseError) as exc:
        client.chat("gemma2:9b", messages=[{"role": "user", "content": "weather?"}],
                    tools=[WEATHER])
    # server/images.go: fmt.Errorf("%w %w", errCapabilities, ...) wrapped as "%s %w" with the
    # model's name by scheduleRunner
    assert exc.value.status_code == 400
    assert exc.value.error == "registry.ollama.ai/library/gemma2:9b does not support tools"


def test_every_other_method(client):
    assert [m.model for m in client.list().models][:1] == ["qwen3:4b"]
    assert client.show("qwen3:4b").capabilities == ["completion", "tools", "thinking"]
    assert client.generate("llama3.2:1b", "hello").done
    assert client.ps().models
    assert client.copy("llama3.2:1b", "spare").status == "success"
    assert client.delete("spare").status == "success"
    assert list(client.pull("llama3.2:1b", stream=True))[-1].status == "success"


@pytest.fixture
def oai(sim):
    with openai.OpenAI(base_url=sim.url + "/v1", api_key="ollama") as c:
        yield c


def test_openai_chat_streaming_with_usage(oai):
    chunks = list(oai.chat.completions.create(
        model="llama3.2:1b", messages=[{"role": "user", "content": "hello"}], stream=True,
        stream_options={"include_usage": True}))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[0].id.startswith("chatcmpl-") and chunks[0].choices[0].delta.role == "assistant"
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and
              c.choices[0].finish_reason]
    assert finish == ["stop"]
    usage = chunks[-1].usage  # middleware/openai.go: a last chunk with usage, no choices
    assert chunks[-1].choices == [] and usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_openai_chat_completions_models_and_embeddings(oai):
    r = oai.chat.completions.create(model="llama3.2:1b",
                                    messages=[{"role": "user", "content": "hi"}])
    assert r.object == "chat.completion" and r.choices[0].message.content
    assert r.system_fingerprint == "fp_ollama"
    c = oai.completions.create(model="llama3.2:1b", prompt="Once upon a time")
    assert c.object == "text_completion" and c.choices[0].text
    ids = [m.id for m in oai.models.list()]
    assert "nomic-embed-text:latest" in ids
    assert oai.models.retrieve("qwen3:4b").owned_by == "library"
    e = oai.embeddings.create(model="nomic-embed-text", input=["a", "b"])
    assert len(e.data) == 2 and len(e.data[0].embedding) == 768
    with pytest.raises(openai.NotFoundError) as exc:
        oai.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    # openai.NewError(404, ...) -> type "not_found_error"
    assert exc.value.body["type"] == "not_found_error"
    assert exc.value.body["message"] == "model 'nope' not found"


def test_no_server_header(sim):
    # Go's net/http writes Date and no Server header
    r = httpx.get(sim.url + "/api/version")
    assert "server" not in r.headers and "date" in r.headers


def test_cloud_model_without_signin_is_401_with_signin_url(sim):
    r = httpx.post(sim.url + "/api/chat", json={"model": "gpt-oss:120b-cloud", "messages": [
        {"role": "user", "content": "hi"}]})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.json()["signin_url"].startswith("https://ollama.com/connect?name=")


def test_prompt_over_the_context_without_shift_is_400(sim):
    long = "word " * 600
    r = httpx.post(sim.url + "/api/generate", json={
        "model": "llama3.2:1b", "prompt": long, "shift": False, "options": {"num_ctx": 256}})
    assert r.status_code == 400 and r.json()["error"].startswith("the prompt is longer than")
    ok = httpx.post(sim.url + "/api/generate", json={
        "model": "llama3.2:1b", "prompt": long, "stream": False, "options": {"num_ctx": 256}},
        timeout=30)
    assert ok.status_code == 200  # with context shift the daemon truncates and answers
