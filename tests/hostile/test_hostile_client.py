"""The core against a hostile server, in process, with short limits: the stream header
deadline, the stall message's words for each operation, and the registry and GGUF deadlines.
(The command-line cases with the default limits are in test_hostile_daemon.py.)"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from hostile_server import chunk, drip, head, send, send_json, send_lines, start_chunked

from quantdesk.core.compare import ComparisonSpec, run_comparison
from quantdesk.core.deadlines import Deadlines
from quantdesk.core.gguf import GGUFSourceError, fetch_gguf_header
from quantdesk.core.ollama import OllamaClient, RequestTimeout, StreamStalled
from quantdesk.core.registry import http as rhttp
from quantdesk.core.registry.errors import RegistryUnreachable


def _stalls_after_one_line(conn, req):
    start_chunked(conn)
    chunk(conn, json.dumps({"response": "Hi", "status": "pulling manifest",
                            "done": False}).encode() + b"\n")
    time.sleep(30)


async def test_a_stalled_run_speaks_of_generating_not_of_a_pull(serve):
    server = serve({"/api/generate": _stalls_after_one_line})
    async with OllamaClient(server.url, generate_stall_timeout=0.3) as client:
        with pytest.raises(StreamStalled) as caught:
            async for _ in client.generate("m:q4_0", "hi"):
                pass
    text = str(caught.value)
    assert "while generating text with 'm:q4_0'" in text
    assert "pull" not in text and "transfer" not in text and "download" not in text


async def test_a_stalled_pull_says_it_resumes(serve):
    server = serve({"/api/pull": _stalls_after_one_line})
    async with OllamaClient(server.url, pull_stall_timeout=0.3) as client:
        with pytest.raises(StreamStalled, match=r"downloading 'm:q4_0'.*resumes"):
            async for _ in client.pull("m:q4_0"):
                pass


async def test_a_stalled_load_speaks_of_loading(serve):
    server = serve({"/api/generate": _stalls_after_one_line})
    async with OllamaClient(server.url, load_timeout=0.3) as client:
        with pytest.raises(StreamStalled, match="while loading 'm:q4_0'"):
            await client.load("m:q4_0")


@pytest.mark.parametrize("path", ["/api/pull", "/api/generate"])
async def test_a_stream_whose_headers_never_come(serve, path):
    server = serve({path: lambda conn, req: time.sleep(30)})
    deadlines = Deadlines(pull_headers=0.5, generate_headers=0.5)
    started = time.monotonic()
    async with OllamaClient(server.url, deadlines=deadlines, load_timeout=0.5) as client:
        with pytest.raises(RequestTimeout, match=r"did not start .* within 0\.5 s") as caught:
            if path == "/api/pull":
                async for _ in client.pull("m:q4_0"):
                    pass
            else:
                async for _ in client.generate("m:q4_0", "hi"):
                    pass
    assert server.url in str(caught.value)
    assert time.monotonic() - started < 2.0


async def test_headers_in_time_then_the_stall_rule_takes_over(serve):
    # Headers come at once and lines keep coming past the header deadline: not a timeout.
    def slow_lines(conn, req):
        start_chunked(conn)
        for i in range(6):
            chunk(conn, json.dumps({"response": str(i), "done": False}).encode() + b"\n")
            time.sleep(0.15)
        chunk(conn, json.dumps({"response": "", "done": True}).encode() + b"\n")
        conn.sendall(b"0\r\n\r\n")

    server = serve({"/api/generate": slow_lines})
    deadlines = Deadlines(generate_headers=0.3)
    async with OllamaClient(server.url, deadlines=deadlines, load_timeout=0.3) as client:
        text = "".join([c.text async for c in client.generate("m:q4_0", "hi")])
    assert text == "012345"


async def test_a_registry_that_drips_is_cut_off_at_the_deadline(serve):
    def dripping(conn, req):
        conn.sendall(head(200, [("Content-Length", "500")]))
        drip(conn, b"{" + b" " * 499, every_s=0.2)

    server = serve({"/v2/library/m/manifests/x": dripping})
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        with pytest.raises(RegistryUnreachable, match="no complete answer within 1 s"):
            await rhttp.get(http, f"{server.url}/v2/library/m/manifests/x", deadline_s=1.0)
    assert time.monotonic() - started < 2.0


async def test_a_gguf_header_read_that_drips_is_cut_off(serve):
    def dripping(conn, req):
        conn.sendall(head(206, [("Content-Range", "bytes 0-1048575/9999999"),
                                ("Content-Length", "1048576")]))
        drip(conn, b"GGUF" + b"\0" * 100, every_s=0.1)

    server = serve({"/blob": dripping})
    started = time.monotonic()
    async with httpx.AsyncClient() as http:
        with pytest.raises(GGUFSourceError, match="did not finish within 1 s"):
            await fetch_gguf_header(f"{server.url}/blob", http, deadline_s=1.0)
    assert time.monotonic() - started < 2.0


async def test_quick_calls_keep_their_deadline_when_the_daemon_is_slow(serve):
    def slow_version(conn, req):
        time.sleep(0.6)
        return send_json(conn, {"version": "0.32.15"})

    server = serve({"/api/version": slow_version})
    async with OllamaClient(server.url, deadlines=Deadlines().quick(0.3)) as client:
        with pytest.raises(RequestTimeout, match=r"telling its version within 0\.3 s"):
            await client.version()
    async with OllamaClient(server.url, deadlines=Deadlines().quick(2)) as client:
        assert await client.version() == "0.32.15"


async def test_an_odd_daemon_name_and_a_failing_ps_do_not_spoil_a_comparison(serve):
    names = ["m:q8_0", "m:q4_0"]
    models = [{"name": n, "model": n, "size": 10**6, "digest": "ab" * 32} for n in names]
    models.append({"name": "???:::not a name:::", "size": 1})  # QuantDesk cannot parse it

    def generate(conn, req):
        body = req.json()
        done = {"model": body["model"], "response": "", "done": True, "eval_count": 3,
                "eval_duration": 10**8, "load_duration": 10**7}
        lines = [done] if not body.get("prompt") else [
            {"model": body["model"], "response": "Paris.", "done": False}, done]
        return send_lines(conn, lines)

    server = serve({
        "/api/version": lambda c, r: send_json(c, {"version": "0.32.15"}),
        "/api/tags": lambda c, r: send_json(c, {"models": models}),
        "/api/ps": lambda c, r: send(c, 500, b'{"error":"scheduler is busy"}'),
        "/api/show": lambda c, r: send(c, 500, b'{"error":"no"}'),
        "/api/generate": generate,
    })
    async with OllamaClient(server.url) as client:
        result = await run_comparison(client, ComparisonSpec(tuple(names), prompt="capital?"))
    assert result.complete
    assert [r.state for r in result.runs] == ["done", "done"]
    assert all(r.response == "Paris." and r.size is None for r in result.runs)
