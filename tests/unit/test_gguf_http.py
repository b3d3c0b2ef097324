"""Ranged HTTP header reads against real loopback servers: Range honoured, Range ignored,
307 to a CDN, truncated and hostile blobs, HTTP errors."""

from __future__ import annotations

import re
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from quantdesk.core.gguf import (
    GGUFLimitError,
    GGUFLimits,
    GGUFSourceError,
    GGUFTruncatedError,
    fetch_gguf_header,
    parse_gguf_bytes,
)
from quantdesk.sim.gguf_headers import build_gguf_header

LLAMA_8B = {  # llama3.1:8b as /api/show reports it (model-architectures.json)
    "general.architecture": "llama",
    "general.parameter_count": 8030261248,
    "llama.block_count": 32,
    "llama.context_length": 131072,
    "llama.embedding_length": 4096,
    "llama.feed_forward_length": 14336,
    "llama.attention.head_count": 32,
    "llama.attention.head_count_kv": 8,
    "llama.rope.dimension_count": 128,
    "llama.vocab_size": 128256,
}
GiB = 2**30
MiB = 2**20


class Blob:
    """A blob whose first bytes are ``head`` and the rest (up to ``size``) zeros."""

    def __init__(self, head: bytes, size: int | None = None) -> None:
        self.head = head
        self.size = len(head) if size is None else size

    def chunks(self, start: int, end: int) -> Iterator[bytes]:  # [start, end)
        while start < end:
            n = min(end - start, 256 * 1024)
            if start < len(self.head):
                n = min(n, len(self.head) - start)
                yield self.head[start : start + n]
            else:
                yield bytes(n)
            start += n


class BlobServer:
    def __init__(self, *, honour_range: bool = True, max_range: int | None = None) -> None:
        self.max_range = max_range  # some CDNs answer only part of a large range
        self.blobs: dict[str, Blob] = {}
        self.redirects: dict[str, str] = {}
        self.honour_range = honour_range
        self.requests: list[tuple[str, str | None]] = []
        self.sent = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                with server.lock:
                    server.requests.append((self.path, self.headers.get("Range")))
                if self.path in server.redirects:
                    self.send_response(307)
                    self.send_header("Location", server.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                blob = server.blobs.get(self.path)
                if blob is None:
                    self.send_error(404)
                    return
                start, end = 0, blob.size
                match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
                if server.honour_range and match:
                    start = int(match.group(1))
                    if start >= blob.size:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{blob.size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if match.group(2):
                        end = min(blob.size, int(match.group(2)) + 1)
                    if server.max_range:
                        end = min(end, start + server.max_range)
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{end - 1}/{blob.size}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(end - start))
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                try:
                    for chunk in blob.chunks(start, end):
                        self.wfile.write(chunk)
                        with server.lock:
                            server.sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client read what it needed and hung up: expected

        return Handler

    def __enter__(self) -> BlobServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def ranged():
    with BlobServer() as server:
        yield server


@pytest.fixture
def ignoring():
    with BlobServer(honour_range=False) as server:
        yield server


@pytest.fixture
async def http():
    async with httpx.AsyncClient(timeout=5.0) as client:  # no follow_redirects on purpose
        yield client


def _s(data: bytes) -> bytes:
    return struct.pack("<Q", len(data)) + data


def _small_header() -> bytes:
    kv = _s(b"general.architecture") + struct.pack("<I", 8) + _s(b"llama")
    ti = _s(b"t") + struct.pack("<IQIQ", 1, 4, 0, 0)
    return b"GGUF" + struct.pack("<IQQ", 3, 1, 1) + kv + ti


def _oversized_header(string_bytes: int) -> bytes:
    kv = _s(b"general.architecture") + struct.pack("<I", 8) + _s(b"a" * string_bytes)
    return b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + kv


async def test_small_blob_is_read_with_one_range_request(ranged, http):
    ranged.blobs["/b"] = Blob(_small_header(), size=5 * GiB)
    h = await fetch_gguf_header(ranged.base + "/b", http)
    assert h.metadata == {"general.architecture": "llama"} and h.data_offset == 128
    assert ranged.requests == [("/b", f"bytes=0-{MiB - 1}")]
    assert h.bytes_read == MiB  # the first chunk: the rest of the 5 GiB was never asked for


async def test_8b_header_fetch_stays_small(ranged, http):
    head = build_gguf_header(LLAMA_8B, "Q4_K_M")
    ranged.blobs["/blob"] = Blob(head, size=4_920_733_984)
    h = await fetch_gguf_header(ranged.base + "/blob", http)
    assert h.tensor_count == 2 + 32 * 9 + 1 + 1  # + rope_freqs (llama 3.1 rope scaling)
    assert len(h.metadata["tokenizer.ggml.tokens"]) == 128_256
    assert h.model_info()["llama.block_count"] == 32
    assert 2 * MiB < h.header_end <= len(head)
    assert h.header_end <= h.bytes_read <= 2 * h.header_end  # geometric growth, no more
    assert ranged.sent == h.bytes_read
    ranges = [r for _, r in ranged.requests]
    # a real llama 3 header (tokens and merges) is 7.8 MB: 1 + 1 + 2 + 4 MiB reads
    assert ranges[0] == f"bytes=0-{MiB - 1}" and len(ranges) <= 4
    starts = [int(re.match(r"bytes=(\d+)-", r).group(1)) for r in ranges]
    assert starts == sorted(set(starts))  # each range continues; nothing fetched twice


async def test_server_ignoring_range_is_read_only_as_far_as_needed(ignoring, http):
    head = build_gguf_header(LLAMA_8B, "Q4_0")
    ignoring.blobs["/blob"] = Blob(head, size=8 * GiB)
    started = time.perf_counter()
    h = await fetch_gguf_header(ignoring.base + "/blob", http)
    assert time.perf_counter() - started < 5
    assert h.metadata["llama.embedding_length"] == 4096
    assert h.bytes_read <= 2 * h.header_end
    # one 200 answer, read partially then closed; the server got nowhere near 8 GiB out
    assert len(ignoring.requests) == 1
    deadline = time.monotonic() + 2
    while ignoring.sent < h.bytes_read and time.monotonic() < deadline:
        time.sleep(0.01)
    assert h.bytes_read <= ignoring.sent < 64 * MiB


async def test_redirect_307_to_a_cdn_is_followed_with_range(ranged, http):
    with BlobServer() as cdn:
        cdn_path = "/ollama/docker/registry/v2/blobs/sha256/ab/abcd/data"
        cdn.blobs[cdn_path] = Blob(_small_header())
        blob_path = "/v2/library/llama3.1/blobs/sha256:abcd"
        ranged.redirects[blob_path] = cdn.base + cdn_path
        h = await fetch_gguf_header(ranged.base + blob_path, http)
        assert h.architecture == "llama"
        assert ranged.requests[0][0] == blob_path
        assert cdn.requests[0][1] == f"bytes=0-{MiB - 1}"  # Range survived the hop


async def test_header_over_the_cap_stops_at_the_cap(ranged, ignoring, http):
    limits = GGUFLimits(max_header_bytes=2 * MiB)
    head = _oversized_header(5 * MiB)  # a 5 MiB architecture string: over the 2 MiB cap
    for server in (ranged, ignoring):
        server.blobs["/x"] = Blob(head, size=GiB)
        with pytest.raises(GGUFLimitError, match="larger than"):
            await fetch_gguf_header(server.base + "/x", http, limits=limits, first_chunk=64 * 1024)
    assert ranged.sent <= 2 * MiB
    assert ignoring.sent < 32 * MiB


async def test_cdn_answering_short_ranges_is_read_to_the_end_of_the_header(http):
    head = build_gguf_header(LLAMA_8B, "Q4_0", vocab_size=40_000)
    with BlobServer(max_range=100_000) as cdn:
        cdn.blobs["/b"] = Blob(head, size=GiB)
        h = await fetch_gguf_header(cdn.base + "/b", http, first_chunk=64 * 1024)
    assert h.header_end > 200_000 and len(h.metadata["tokenizer.ggml.tokens"]) == 40_000
    assert len(cdn.requests) >= 3 and h.bytes_read <= 2 * h.header_end + 100_000


async def test_truncated_blob_is_reported(ranged, http):
    head = build_gguf_header(LLAMA_8B, "Q4_0")
    ranged.blobs["/cut"] = Blob(head[: 3 * MiB // 2])  # the download stopped mid-vocab
    with pytest.raises(GGUFTruncatedError, match=r"tokenizer\.ggml\.tokens"):
        await fetch_gguf_header(ranged.base + "/cut", http)
    ranged.blobs["/empty"] = Blob(b"")
    with pytest.raises(GGUFTruncatedError):
        await fetch_gguf_header(ranged.base + "/empty", http)


async def test_truncated_blob_on_a_server_ignoring_range(ignoring, http):
    ignoring.blobs["/cut"] = Blob(_small_header()[:-3])
    with pytest.raises(GGUFTruncatedError):
        await fetch_gguf_header(ignoring.base + "/cut", http)


async def test_http_error_status_is_a_source_error(ranged, http):
    with pytest.raises(GGUFSourceError, match="HTTP 404"):
        await fetch_gguf_header(ranged.base + "/missing", http)


async def test_unreachable_server_is_a_source_error(http):
    with BlobServer() as gone:
        url = gone.base + "/b"
    with pytest.raises(GGUFSourceError, match="Could not read"):
        await fetch_gguf_header(url, http)


async def test_same_header_from_http_and_from_bytes(ranged, http):
    head = build_gguf_header(LLAMA_8B, "Q8_0", vocab_size=4096)
    ranged.blobs["/q8"] = Blob(head, size=9 * GiB)
    remote = await fetch_gguf_header(ranged.base + "/q8", http, first_chunk=4096)
    local = parse_gguf_bytes(head)
    assert remote.tensors == local.tensors
    assert remote.model_info() == local.model_info()


async def test_an_error_without_a_message_is_named_by_its_kind():
    # httpx raises some errors with an empty message (a bare ReadError from the transport):
    # the sentence then names the kind of error instead of ending in ": .".
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(GGUFSourceError) as caught:
            await fetch_gguf_header("http://registry.test/v2/x/blobs/sha256:00", http)
    assert "the GGUF header from registry.test: ReadError. Check" in str(caught.value)
