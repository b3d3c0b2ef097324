"""The NDJSON reader: splitting, bounds, error lines, malformed lines, stalls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from quantdesk.core.ollama.errors import (
    MalformedStream,
    OutOfMemory,
    StreamError,
    StreamStalled,
    TagNotFound,
)
from quantdesk.core.ollama.stream import iter_json_lines


async def _chunks(*parts: bytes, delay: float = 0.0) -> AsyncIterator[bytes]:
    for part in parts:
        if delay:
            await asyncio.sleep(delay)
        yield part


async def _collect(chunks: AsyncIterator[bytes], **kw) -> list[dict]:
    return [line async for line in iter_json_lines(chunks, stall_timeout=kw.pop("stall", 1.0),
                                                    **kw)]


async def test_lines_split_across_chunks_and_blank_lines_skipped():
    got = await _collect(_chunks(b'{"a": 1}\n{"b"', b': 2}\n\n', b'  \n{"c": 3}'))
    assert got == [{"a": 1}, {"b": 2}, {"c": 3}]


async def test_error_line_raises_mapped_error():
    with pytest.raises(TagNotFound):
        await _collect(_chunks(b'{"status":"pulling manifest"}\n',
                               b'{"error":"pull model manifest: file does not exist"}\n'),
                       model="m:nope")
    with pytest.raises(OutOfMemory):
        await _collect(_chunks(b'{"error":"llama-server reported out-of-memory during '
                               b'startup: x"}'))
    with pytest.raises(StreamError, match="boom"):
        await _collect(_chunks(b'{"response":"a"}\n{"error":"boom"}\n'))


@pytest.mark.parametrize("bad", [b"not json\n", b"[1, 2]\n", b'{"a": \n'])
async def test_malformed_line(bad):
    with pytest.raises(MalformedStream):
        await _collect(_chunks(b'{"ok": true}\n', bad))


async def test_line_over_the_limit_is_refused_without_buffering_forever():
    with pytest.raises(MalformedStream, match="longer than 64"):
        await _collect(_chunks(b'{"x": "' + b"a" * 40, b"a" * 40, b"a" * 40), max_line_bytes=64)
    with pytest.raises(MalformedStream, match="longer than 64"):
        await _collect(_chunks(b'{"x": "' + b"a" * 100 + b'"}\n'), max_line_bytes=64)
    assert await _collect(_chunks(b'{"x": "' + b"a" * 50 + b'"}\n'), max_line_bytes=64)


async def test_stall_detected_between_lines():
    seen: list[dict] = []
    with pytest.raises(StreamStalled, match=r"0\.05 s"):
        async for line in iter_json_lines(_chunks(b'{"a":1}\n', b'{"b":2}\n', delay=0.2),
                                          stall_timeout=0.05):
            seen.append(line)
    assert seen == []


async def test_trickle_without_newline_still_stalls():
    async def trickle() -> AsyncIterator[bytes]:
        yield b'{"a":1}\n'
        while True:
            await asyncio.sleep(0.02)
            yield b" "

    with pytest.raises(StreamStalled):
        await _collect(trickle(), stall=0.1)


async def test_slow_consumer_is_not_a_stall():
    lines = []
    async for line in iter_json_lines(_chunks(b'{"a":1}\n{"b":2}\n'), stall_timeout=0.05):
        await asyncio.sleep(0.1)
        lines.append(line)
    assert len(lines) == 2
