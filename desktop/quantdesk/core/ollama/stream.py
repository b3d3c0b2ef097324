"""Reading an NDJSON stream from the daemon, defensively.

Lines are split by hand rather than with ``aiter_lines`` so a line can be bounded (a daemon or
proxy gone wrong must not grow memory without end); each line must be a JSON object; a line
with an ``error`` key ends the stream with the matching error (the HTTP status is already 200
by then); and a stream that makes no progress for ``stall_timeout`` seconds is stopped,
because streams run with no read timeout. By default every line is progress; a ``watch``
(such as ``progress.PullWatch``) decides instead, line by line, whether a line moved anything
and how long the next silence may last — a pull's repeated progress lines are not progress, and
its digest check is silent for as long as hashing takes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from typing import Any

from quantdesk.core import safe_json
from quantdesk.core.inert import brief
from quantdesk.core.ollama.errors import MalformedStream, StreamStalled, error_from_stream_line

MAX_LINE_BYTES = 16 * 1024 * 1024


def _decode(line: bytes) -> dict[str, Any]:
    try:
        data = safe_json.loads(line)
    except safe_json.JsonRejected as exc:
        preview = brief(line[:80].decode("utf-8", "replace"), 80)
        raise MalformedStream(f"a line is {exc}: {preview!r}") from None
    if not isinstance(data, dict):
        raise MalformedStream("a line is JSON but not an object")
    return data


async def iter_json_lines(
    chunks: AsyncIterable[bytes],
    *,
    stall_timeout: float | None,
    max_line_bytes: int = MAX_LINE_BYTES,
    model: str | None = None,
    watch: Callable[[dict[str, Any]], float | None] | None = None,
) -> AsyncGenerator[dict[str, Any], None]:
    """Yield each JSON object of an NDJSON byte stream; raise on error lines, bad lines and
    stalls. ``watch(line)`` returns the seconds of no progress allowed from now on, or None
    when the line is no progress (the running deadline stays). ``model`` only improves error
    messages."""
    source = aiter(chunks)
    buf = bytearray()
    loop = asyncio.get_running_loop()
    deadline = None if stall_timeout is None else loop.time() + stall_timeout
    while True:
        while (newline := buf.find(b"\n")) >= 0:
            line = bytes(buf[:newline])
            del buf[: newline + 1]
            if newline > max_line_bytes:
                raise MalformedStream(f"a line is longer than {max_line_bytes} bytes")
            if not line.strip():
                continue
            data = _decode(line)
            if "error" in data:
                raise error_from_stream_line(str(data["error"]), model=model)
            yield data
            if stall_timeout is not None:
                allowed = stall_timeout if watch is None else watch(data)
                if allowed is not None:
                    deadline = loop.time() + allowed
        if len(buf) > max_line_bytes:
            raise MalformedStream(f"a line is longer than {max_line_bytes} bytes")
        try:
            if deadline is None:
                chunk = await anext(source)
            else:
                if deadline <= loop.time():
                    raise StreamStalled(stall_timeout or 0.0)
                # timeout_at arms one timer on this task; wait_for would start a new task
                # for every chunk, which tripled the reader's CPU per token.
                async with asyncio.timeout_at(deadline):
                    chunk = await anext(source)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise StreamStalled(stall_timeout or 0.0) from None
        buf += chunk
    if buf.strip():
        data = _decode(bytes(buf))
        if "error" in data:
            raise error_from_stream_line(str(data["error"]), model=model)
        yield data
