"""OllamaClient against httpx.MockTransport: request shapes, parsing, every error path."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from quantdesk.core.ollama import (
    ConnectionDropped,
    DaemonUnreachable,
    HttpError,
    InvalidModelName,
    MalformedStream,
    ModelNotFound,
    OllamaClient,
    OutOfMemory,
    RequestTimeout,
    StreamError,
    StreamStalled,
    TagNotFound,
)

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def body(self) -> dict:
        return json.loads(self.requests[-1].content)


def make(handler: Handler, **kw) -> tuple[OllamaClient, Recorder]:
    rec = Recorder(handler)
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    return OllamaClient("127.0.0.1:11434", http=http, **kw), rec


def ndjson(*lines: dict) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


class SlowStream(httpx.AsyncByteStream):
    """Sends ``parts`` with ``delay`` seconds before each; records being closed."""

    def __init__(self, parts: list[bytes], delay: float = 0.0,
                 fail: Exception | None = None) -> None:
        self.parts, self.delay, self.fail, self.closed = parts, delay, fail, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            if self.delay:
                await asyncio.sleep(self.delay)
            yield part
        if self.fail is not None:
            raise self.fail

    async def aclose(self) -> None:
        self.closed = True


async def test_version_and_health():
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/":
            return httpx.Response(200, text="Ollama is running")
        return httpx.Response(200, json={"version": "0.32.15"})

    client, rec = make(handler)
    async with client:
        assert await client.version() == "0.32.15"
        assert await client.health() is True
    assert [r.url.path for r in rec.requests] == ["/api/version", "/"]
    assert str(rec.requests[0].url) == "http://127.0.0.1:11434/api/version"


async def test_health_false_when_not_ollama_or_broken():
    client, _ = make(lambda r: httpx.Response(200, text="nginx welcome"))
    assert await client.health() is False
    client, _ = make(lambda r: httpx.Response(500, text="oops"))
    assert await client.health() is False


async def test_tags_ps_show():
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/api/tags":
            return httpx.Response(200, json={"models": [
                {"name": "a:1b", "size": 5, "details": {"quantization_level": "Q8_0"}},
                "junk"]})
        if req.url.path == "/api/ps":
            return httpx.Response(200, json={"models": [
                {"name": "a:1b", "size": 10, "size_vram": 4, "context_length": 8192}]})
        return httpx.Response(200, json={"model_info": {"general.architecture": "qwen2"},
                                         "tensors": [], "capabilities": ["completion"]})

    client, rec = make(handler)
    models = await client.tags()
    assert [(m.name, m.size, m.details.quantization_level) for m in models] == [
        ("a:1b", 5, "Q8_0")]
    running = await client.ps()
    assert (running[0].size_vram, running[0].context_length) == (4, 8192)
    shown = await client.show("a:1b", verbose=True)
    assert shown.architecture == "qwen2"
    assert rec.body == {"model": "a:1b", "verbose": True}
    await client.show("a:1b")
    assert rec.body == {"model": "a:1b"}


async def test_empty_install():
    client, _ = make(lambda r: httpx.Response(200, json={"models": []}))
    assert await client.tags() == []
    assert await client.ps() == []


async def test_show_missing_model_and_plain_text_404():
    client, _ = make(lambda r: httpx.Response(404, json={"error": "model 'nope' not found"}))
    with pytest.raises(ModelNotFound, match="quantdesk pull nope"):
        await client.show("nope")
    client, _ = make(lambda r: httpx.Response(404, text="404 page not found"))
    with pytest.raises(HttpError, match="404 page not found") as info:
        await client.version()
    assert info.value.status == 404


async def test_non_json_success_body_is_malformed():
    client, _ = make(lambda r: httpx.Response(200, text="<html>"))
    with pytest.raises(MalformedStream):
        await client.tags()
    client, _ = make(lambda r: httpx.Response(200, json=[1]))
    with pytest.raises(MalformedStream):
        await client.ps()


async def test_delete_and_copy_request_shapes():
    client, rec = make(lambda r: httpx.Response(200))
    await client.delete("llama3:13b")
    assert rec.requests[-1].method == "DELETE" and rec.body == {"model": "llama3:13b"}
    await client.copy("llama3.2", "llama3-backup")
    assert rec.requests[-1].url.path == "/api/copy"
    assert rec.body == {"source": "llama3.2", "destination": "llama3-backup"}


async def test_delete_missing_and_invalid_names_never_sent():
    client, rec = make(lambda r: httpx.Response(404, json={"error": "model 'x' not found"}))
    with pytest.raises(ModelNotFound):
        await client.delete("x")
    sent = len(rec.requests)
    with pytest.raises(InvalidModelName):
        await client.copy("x", "bad name")
    with pytest.raises(InvalidModelName):
        await client.delete("model:")
    with pytest.raises(InvalidModelName):
        async for _ in client.pull("/x"):
            pass
    assert len(rec.requests) == sent


PULL_OK = [
    {"status": "pulling manifest"},
    {"status": "pulling aaaaaaaaaaaa", "digest": "sha256:aaaa", "total": 100},
    {"status": "pulling aaaaaaaaaaaa", "digest": "sha256:aaaa", "total": 100, "completed": 60},
    {"status": "pulling aaaaaaaaaaaa", "digest": "sha256:aaaa", "total": 100, "completed": 100},
    {"status": "pulling bbbbbbbbbbbb", "digest": "sha256:bbbb", "total": 20, "completed": 20},
    {"status": "verifying sha256 digest"},
    {"status": "writing manifest"},
    {"status": "success"},
]


async def test_pull_aggregates_progress():
    client, rec = make(lambda r: httpx.Response(200, content=ndjson(*PULL_OK)))
    events = [p async for p in client.pull("llama3.2:1b", insecure=True)]
    assert rec.body == {"model": "llama3.2:1b", "insecure": True, "stream": True}
    assert [e.completed for e in events] == [0, 0, 60, 100, 120, 120, 120, 120]
    assert events[-1].total == 120 and events[-1].done
    assert not any(e.done for e in events[:-1])


async def test_pull_missing_tag_is_200_then_error_line():
    body = ndjson({"status": "pulling manifest"},
                  {"error": "pull model manifest: file does not exist"})
    client, _ = make(lambda r: httpx.Response(200, content=body))
    seen = []
    with pytest.raises(TagNotFound, match="file does not exist") as info:
        async for p in client.pull("llama3.2:99b"):
            seen.append(p.status)
    assert seen == ["pulling manifest"]
    assert "llama3.2:99b" in str(info.value)


async def test_pull_ending_without_success_is_a_dropped_connection():
    client, _ = make(lambda r: httpx.Response(200, content=ndjson(*PULL_OK[:3])))
    with pytest.raises(ConnectionDropped):
        async for _ in client.pull("m"):
            pass


async def test_pull_stall_and_cancel_close_the_response():
    stream = SlowStream([ndjson(PULL_OK[0]), ndjson(PULL_OK[1])], delay=0.3)
    client, _ = make(lambda r: httpx.Response(200, stream=stream), pull_stall_timeout=0.05)
    with pytest.raises(StreamStalled):
        async for _ in client.pull("m"):
            pass
    assert stream.closed

    stream = SlowStream([ndjson(p) for p in PULL_OK], delay=0.01)
    client, _ = make(lambda r: httpx.Response(200, stream=stream))
    async with contextlib.aclosing(client.pull("m")) as progress:
        async for p in progress:
            if p.total:
                break
    assert stream.closed


async def test_pull_cancelled_task_closes_the_response():
    stream = SlowStream([ndjson(PULL_OK[0])] + [ndjson(PULL_OK[2])] * 50, delay=0.02)
    client, _ = make(lambda r: httpx.Response(200, stream=stream))

    async def consume() -> None:
        async for _ in client.pull("m"):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.closed


GEN_LINES = [
    {"model": "m", "response": "Hel", "done": False,
     "logprobs": [{"token": "Hel", "logprob": -0.5, "top_logprobs": []}]},
    {"model": "m", "response": "lo", "thinking": "", "done": False},
    {"model": "m", "response": "", "done": True, "done_reason": "stop",
     "total_duration": 3_000_000_000, "load_duration": 500_000_000,
     "prompt_eval_count": 10, "prompt_eval_duration": 250_000_000,
     "eval_count": 2, "eval_duration": 1_000_000_000},
]


async def test_generate_request_and_metrics():
    client, rec = make(lambda r: httpx.Response(200, content=ndjson(*GEN_LINES)))
    chunks = [c async for c in client.generate(
        "m", "Say hello", system="be brief", options={"seed": 1, "temperature": 0},
        think=False, logprobs=True, top_logprobs=3, keep_alive="300")]
    assert rec.body == {"model": "m", "prompt": "Say hello", "stream": True,
                        "system": "be brief", "options": {"seed": 1, "temperature": 0},
                        "think": False, "logprobs": True, "top_logprobs": 3,
                        "keep_alive": 300}
    assert "".join(c.text for c in chunks) == "Hello"
    assert chunks[0].logprobs[0].logprob == -0.5
    final = chunks[-1]
    assert final.done and final.done_reason == "stop" and final.metrics is not None
    assert (final.metrics.ttft_s, final.metrics.eval_tps, final.metrics.prompt_tps) == (
        0.75, 2.0, 40.0)


async def test_generate_error_mid_stream_and_out_of_memory():
    body = ndjson(GEN_LINES[0], {"error": "runner process has terminated"})
    client, _ = make(lambda r: httpx.Response(200, content=body))
    with pytest.raises(StreamError, match="terminated"):
        async for _ in client.generate("m", "x"):
            pass
    for text in ("model requires more system memory (10.9 GiB) than is available (7.6 GiB)",
                 "llama-server reported out-of-memory during startup: ggml_cuda alloc"):
        client, _ = make(lambda r, t=text: httpx.Response(500, json={"error": t}))
        with pytest.raises(OutOfMemory, match="smaller quantization"):
            async for _ in client.generate("m", "x"):
                pass


async def test_generate_connection_dropped_midway():
    stream = SlowStream([ndjson(GEN_LINES[0])], fail=httpx.RemoteProtocolError("peer closed"))
    client, _ = make(lambda r: httpx.Response(200, stream=stream))
    got = []
    with pytest.raises(ConnectionDropped, match="dropped"):
        async for c in client.generate("m", "x"):
            got.append(c.text)
    assert got == ["Hel"]
    stream = SlowStream([ndjson(GEN_LINES[0])], fail=httpx.ReadError("reset"))
    client, _ = make(lambda r: httpx.Response(200, stream=stream))
    with pytest.raises(ConnectionDropped):
        async for _ in client.generate("m", "x"):
            pass


async def test_chat_request_and_chunks():
    lines = [{"model": "m", "message": {"role": "assistant", "content": "Hi",
                                        "thinking": "greet"}, "done": False},
             {"model": "m", "message": {"role": "assistant", "content": ""}, "done": True,
              "done_reason": "stop", "eval_count": 1, "eval_duration": 100}]
    client, rec = make(lambda r: httpx.Response(200, content=ndjson(*lines)))
    msgs = [{"role": "user", "content": "hello"}]
    chunks = [c async for c in client.chat("m", msgs, keep_alive="10m", format="json")]
    assert rec.requests[-1].url.path == "/api/chat"
    assert rec.body == {"model": "m", "messages": msgs, "stream": True,
                        "keep_alive": "10m", "format": "json"}
    assert (chunks[0].text, chunks[0].thinking) == ("Hi", "greet")
    assert chunks[-1].metrics is not None and chunks[-1].metrics.eval_count == 1


async def test_load_and_unload():
    def handler(req: httpx.Request) -> httpx.Response:
        body = json.loads(req.content)
        reason = "unload" if body.get("keep_alive") == 0 else "load"
        return httpx.Response(200, content=ndjson({"model": "m", "response": "", "done": True,
                                                   "done_reason": reason,
                                                   "load_duration": 2_000_000_000}))

    client, rec = make(handler)
    final = await client.load("m", keep_alive="-1", options={"num_ctx": 8192})
    assert rec.body == {"model": "m", "prompt": "", "options": {"num_ctx": 8192},
                        "keep_alive": -1}
    assert final.done_reason == "load" and final.metrics is not None
    assert final.metrics.load_s == 2.0
    await client.unload("m")
    assert rec.body == {"model": "m", "prompt": "", "keep_alive": 0}


def _raiser(exc: Exception) -> Handler:
    def handler(req: httpx.Request) -> httpx.Response:
        raise exc
    return handler


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("refused"), DaemonUnreachable),
        (httpx.ConnectTimeout("slow"), DaemonUnreachable),
        (httpx.ReadTimeout("slow"), RequestTimeout),
        (httpx.RemoteProtocolError("eof"), ConnectionDropped),
    ],
)
async def test_transport_errors_are_mapped(exc, kind):
    client, _ = make(_raiser(exc))
    with pytest.raises(kind):
        await client.tags()
    with pytest.raises(kind):
        async for _ in client.pull("m"):
            pass


async def test_unreachable_on_a_real_closed_port_names_the_host():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with OllamaClient(f"127.0.0.1:{port}", connect_timeout=1.0) as client:
        with pytest.raises(DaemonUnreachable, match=f"127.0.0.1:{port}") as info:
            await client.version()
        assert "ollama serve" in str(info.value)
        assert await client.health() is False


async def test_host_comes_from_environment(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "0.0.0.0:4321")
    async with OllamaClient() as client:
        assert client.host.url == "http://127.0.0.1:4321"


async def test_generate_stopped_early_closes_the_response():
    stream = SlowStream([ndjson(line) for line in GEN_LINES], delay=0.01)
    client, _ = make(lambda r: httpx.Response(200, stream=stream))
    async with contextlib.aclosing(client.generate("m", "x")) as chunks:
        async for _ in chunks:
            break
    assert stream.closed


async def test_source_suffixes_are_sent_and_conflicts_are_not():
    # The daemon takes ":local" / ":cloud" / "-cloud" off before parsing the name, so these
    # references are valid even though "qwen3:8b" cannot be a model part on its own.
    client, rec = make(lambda r: httpx.Response(200))
    for ref in ("qwen3:8b:local", "gpt-oss:20b:cloud", "gpt-oss:120b-cloud", "llama3.2:LOCAL"):
        await client.delete(ref)
        assert rec.body == {"model": ref}
    sent = len(rec.requests)
    for ref in ("qwen3:8b:cloud:local", "gpt-oss:20b-cloud:local", "x:local:local"):
        with pytest.raises(InvalidModelName, match="either :local or :cloud"):
            await client.delete(ref)
    with pytest.raises(InvalidModelName):
        await client.show("bad name!:local")
    assert len(rec.requests) == sent
