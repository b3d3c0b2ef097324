"""Client overhead while streaming 10,000 tokens: ``OllamaClient.generate`` vs bare httpx.

Both readers ask the simulator for the same deterministic reply (same body, seed 1,
temperature 0, ``num_predict`` 10,000) and read it on one kept-alive connection each:

- *client*: ``OllamaClient.generate`` — bounded line splitting, stall detector, error-line
  check, ``GenerateChunk`` per line;
- *bare*: ``httpx.AsyncClient.stream`` + ``aiter_lines`` + ``json.loads``, nothing else.

Runs are interleaved (the order flips every round) and the median of 5 each is reported, as
wall time, tokens/s, and the reader process's CPU time (``time.process_time``), which is the
client's own cost even when the daemon sets the pace. One recorded pass first proves both
readers send the same request and receive the same lines (timestamps and durations aside).

The simulator runs in a child process so its token generation does not share a GIL with the
reader. Its replies normally end by themselves after a few dozen words, as a model emitting
end-of-sequence would; the child starts it with ``reply_words`` well above ``TOKENS`` so
``num_predict`` alone decides the length.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from quantdesk.core.ollama import OllamaClient

MODEL = "llama3.2:1b"
TOKENS = 10_000
ROUNDS = 5
OPTIONS: dict[str, Any] = {"num_predict": TOKENS, "num_ctx": 16384, "seed": 1, "temperature": 0}
PROMPT = "Explain quantization in one long paragraph."
# Runs in the child: the sim with replies longer than TOKENS (see the module docstring).
# It serves until its stdin closes, so it cannot outlive this process.
_SIM_CHILD = f"""
import json, sys
from quantdesk.sim import SimDaemon
with SimDaemon(installed=[{MODEL!r}], token_rate_scale=1e6, reply_words={TOKENS * 2}) as sim:
    print(json.dumps({{"url": sim.url}}), flush=True)
    sys.stdin.read()
"""


@dataclass(frozen=True, slots=True)
class Reply:
    """What one reader got: token count, a hash of the text, the daemon's own eval time."""

    tokens: int
    text_sha: str
    daemon_eval_s: float


@dataclass(frozen=True, slots=True)
class Timing:
    wall_s: float
    cpu_s: float
    reply: Reply


@dataclass(frozen=True, slots=True)
class StreamBench:
    client_wall_s: float
    bare_wall_s: float
    client_cpu_s: float
    bare_cpu_s: float
    daemon_eval_s: float
    bytes_read: int

    @property
    def wall_ratio(self) -> float:
        return self.client_wall_s / self.bare_wall_s

    @property
    def cpu_ratio(self) -> float:
        return self.client_cpu_s / self.bare_cpu_s


def _body() -> dict[str, Any]:
    return {"model": MODEL, "prompt": PROMPT, "stream": True, "options": dict(OPTIONS)}


async def read_with_client(client: OllamaClient) -> Reply:
    parts: list[str] = []
    eval_s = 0.0
    async for chunk in client.generate(MODEL, PROMPT, options=OPTIONS):
        if chunk.done:
            eval_s = chunk.metrics.eval_s if chunk.metrics else 0.0
        else:
            parts.append(chunk.text)
    return Reply(len(parts), hashlib.sha256("".join(parts).encode()).hexdigest(), eval_s)


async def read_bare(http: httpx.AsyncClient, url: str) -> Reply:
    parts: list[str] = []
    eval_s = 0.0
    async with http.stream("POST", f"{url}/api/generate", json=_body()) as resp:
        resp.raise_for_status()
        async for line in resp.aiter_lines():
            if not line:
                continue
            data = json.loads(line)
            if data.get("done"):
                eval_s = data.get("eval_duration", 0) / 1e9
            else:
                parts.append(data["response"])
    return Reply(len(parts), hashlib.sha256("".join(parts).encode()).hexdigest(), eval_s)


class _Tee(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, sink: bytearray) -> None:
        self._inner, self._sink = inner, sink

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._sink += chunk
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class RecordingTransport(httpx.AsyncBaseTransport):
    """Keeps the request bodies sent and the response bytes received (after de-chunking)."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.sent: list[bytes] = []
        self.received = bytearray()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(await request.aread())
        resp = await self._inner.handle_async_request(request)
        assert isinstance(resp.stream, httpx.AsyncByteStream)
        return httpx.Response(resp.status_code, headers=resp.headers,
                              stream=_Tee(resp.stream, self.received),
                              extensions=resp.extensions)

    async def aclose(self) -> None:
        await self._inner.aclose()


def normalised_lines(raw: bytes) -> list[str]:
    """The stream's lines without what legitimately differs between two replies: the
    ``created_at`` timestamps and the measured durations."""
    out = []
    for line in raw.splitlines():
        data = json.loads(line)
        kept = {k: v for k, v in data.items()
                if k != "created_at" and not k.endswith("_duration")}
        out.append(json.dumps(kept, sort_keys=True))
    return out


def _http(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    # The same settings OllamaClient uses for streams: no read timeout, no proxy.
    return httpx.AsyncClient(transport=transport, trust_env=False,
                             timeout=httpx.Timeout(60.0, connect=3.0, read=None))


async def verify_same_stream(url: str) -> tuple[Reply, int]:
    """One recorded pass per reader; raises unless requests and replies match."""
    rec_client, rec_bare = RecordingTransport(), RecordingTransport()
    async with _http(rec_client) as h1, OllamaClient(url, http=h1) as client:
        got_client = await read_with_client(client)
    async with _http(rec_bare) as h2:
        got_bare = await read_bare(h2, url)
    sent_client = [json.loads(b) for b in rec_client.sent]
    sent_bare = [json.loads(b) for b in rec_bare.sent]
    if sent_client != sent_bare:
        raise RuntimeError(f"the readers sent different requests: {sent_client} / {sent_bare}")
    if normalised_lines(bytes(rec_client.received)) != normalised_lines(bytes(rec_bare.received)):
        raise RuntimeError("the readers received different streams")
    if got_client.tokens != TOKENS or got_client.text_sha != got_bare.text_sha:
        raise RuntimeError(f"expected {TOKENS} identical tokens, got {got_client.tokens} "
                           f"(client) and {got_bare.tokens} (bare)")
    return got_client, len(rec_bare.received)


async def _timed(read: Callable[[], Awaitable[Reply]], expected: Reply) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    reply = await read()
    timing = Timing(time.perf_counter() - wall, time.process_time() - cpu, reply)
    if (reply.tokens, reply.text_sha) != (expected.tokens, expected.text_sha):
        raise RuntimeError(f"a timed run read {reply.tokens} tokens, not the verified reply")
    return timing


async def measure_async(url: str, rounds: int = ROUNDS) -> StreamBench:
    expected, nbytes = await verify_same_stream(url)
    client_runs: list[Timing] = []
    bare_runs: list[Timing] = []
    async with OllamaClient(url) as client, _http() as http:
        # Warm both connections (and the daemon's loaded model) before timing.
        await read_with_client(client)
        await read_bare(http, url)
        for i in range(rounds):
            order = [("client", client_runs), ("bare", bare_runs)]
            for name, runs in order if i % 2 == 0 else order[::-1]:
                if name == "client":
                    runs.append(await _timed(lambda: read_with_client(client), expected))
                else:
                    runs.append(await _timed(lambda: read_bare(http, url), expected))
    all_runs = client_runs + bare_runs
    return StreamBench(
        client_wall_s=statistics.median(t.wall_s for t in client_runs),
        bare_wall_s=statistics.median(t.wall_s for t in bare_runs),
        client_cpu_s=statistics.median(t.cpu_s for t in client_runs),
        bare_cpu_s=statistics.median(t.cpu_s for t in bare_runs),
        daemon_eval_s=statistics.median(t.reply.daemon_eval_s for t in all_runs),
        bytes_read=nbytes,
    )


@contextlib.contextmanager
def sim_process() -> Iterator[str]:
    """The simulator in a child process; yields its URL."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-c", _SIM_CHILD], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the simulator did not start (exit {proc.wait(timeout=10)})")
        yield json.loads(line)["url"]
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure(rounds: int = ROUNDS) -> StreamBench:
    with sim_process() as url:
        return asyncio.run(measure_async(url, rounds))


def main() -> int:
    r = measure()
    print(f"streaming {TOKENS} tokens ({r.bytes_read / 1e6:.2f} MB of NDJSON) from the simulator, "
          f"median of {ROUNDS} interleaved runs each:")
    print(f"  OllamaClient.generate: {r.client_wall_s:.3f} s  {TOKENS / r.client_wall_s:8.0f} "
          f"tokens/s  (reader CPU {r.client_cpu_s:.3f} s)")
    print(f"  bare httpx           : {r.bare_wall_s:.3f} s  {TOKENS / r.bare_wall_s:8.0f} "
          f"tokens/s  (reader CPU {r.bare_cpu_s:.3f} s)")
    print(f"  client/bare: wall {r.wall_ratio:.2f}x, reader CPU {r.cpu_ratio:.2f}x; "
          f"the daemon itself took {r.daemon_eval_s:.3f} s to produce the tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
