"""Where header bytes come from: a local file, or ranged HTTP reads of a URL.

Both drivers run the same loop around ``parser.parse_header``: read a first chunk, parse, and
on ``NeedMore`` read further — at least double what is held, never past the header cap —
until the header parses, the source ends (truncated) or the cap is hit (limit).
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from typing import BinaryIO

import httpx

from quantdesk.core.gguf.errors import GGUFLimitError, GGUFSourceError, GGUFTruncatedError
from quantdesk.core.gguf.header import DEFAULT_LIMITS, GGUFHeader, GGUFLimits, MiB
from quantdesk.core.gguf.parser import NeedMore, parse_header

FIRST_CHUNK = 1 * MiB
# Digits bounded: a 5000-digit "offset" is no offset, and int() refuses it with a ValueError.
_CONTENT_RANGE = re.compile(r"bytes\s+(\d{1,20})-(\d{1,20})/(\d{1,20}(?!\d)|\*)")
DEADLINE_S = 120.0  # a few MB over a slow line; a server dripping bytes is cut off


def _next_target(need: NeedMore, held: int, at_end: bool, limits: GGUFLimits, what: str) -> int:
    """How many bytes to hold next, or the error that ends the read."""
    if need.end > limits.max_header_bytes:  # the parser reports this itself; kept as a guard
        raise GGUFLimitError(
            f"The GGUF header of {what} is larger than the {limits.max_header_bytes:,}-byte limit."
        )
    if at_end:
        raise GGUFTruncatedError(
            f"The GGUF header of {what} is cut short: {need.where} needs {need.end:,} bytes but "
            f"there are only {held:,}. The file is incomplete or damaged; download it again."
        )
    return min(limits.max_header_bytes, max(need.end, 2 * held))


def _attempt(data: bytes | bytearray, limits: GGUFLimits, bytes_read: int,
             skip_strings_over: int | None = None) -> GGUFHeader | NeedMore:
    try:
        return parse_header(data, limits, bytes_read=bytes_read,
                            skip_strings_over=skip_strings_over)
    except NeedMore as need:
        return need


def read_gguf_header(
    path: str | os.PathLike[str],
    *,
    limits: GGUFLimits = DEFAULT_LIMITS,
    first_chunk: int = FIRST_CHUNK,
) -> GGUFHeader:
    """Read the header of a local GGUF file, reading only as far as the header needs."""
    what = os.fspath(path)
    try:
        with open(path, "rb") as f:
            return _read_from_file(f, what, limits, first_chunk)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise GGUFSourceError(f"Could not read the GGUF file {what}: {reason}.") from exc


def _read_from_file(f: BinaryIO, what: str, limits: GGUFLimits, first_chunk: int) -> GGUFHeader:
    data = f.read(min(first_chunk, limits.max_header_bytes))
    at_end = len(data) < min(first_chunk, limits.max_header_bytes)
    while True:
        result = _attempt(data, limits, len(data))
        if isinstance(result, GGUFHeader):
            return result
        target = _next_target(result, len(data), at_end, limits, what)
        more = f.read(target - len(data))
        at_end = len(more) < target - len(data)
        data += more


class _RangedBody:
    """The bytes of one URL, fetched in ranges; copes with servers that ignore Range."""

    def __init__(self, http: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
        self.http = http
        self.url = url
        self.headers = headers
        self.data = bytearray()
        self.at_end = False
        self.fetched = 0  # body bytes received, including any skipped
        self.requests = 0
        self._stream: httpx.Response | None = None  # a 200 answer being read as needed
        self._chunks: AsyncIterator[bytes] | None = None
        self._skip = 0  # bytes of that 200 answer we already hold

    async def fill_to(self, target: int) -> None:
        if self.at_end or len(self.data) >= target:
            return
        if self._stream is None:
            await self._request(len(self.data), target)
        if self._stream is not None:
            await self._read_stream(target)

    async def _request(self, start: int, target: int) -> None:
        headers = {**self.headers, "Range": f"bytes={start}-{target - 1}"}
        headers.setdefault("Accept-Encoding", "identity")
        request = self.http.build_request("GET", self.url, headers=headers)
        self.requests += 1
        response = await self.http.send(request, stream=True, follow_redirects=True)
        if response.status_code == 200:
            # Range ignored: the body is the whole blob from byte 0. Keep reading it only as
            # far as needed and skip what we already hold.
            length = response.headers.get("Content-Length")
            self._stream = response
            self._chunks = response.aiter_bytes().__aiter__()
            self._skip = start
            if length is not None and length.isdigit() and int(length) <= start:
                self.at_end = True
            return
        try:
            if response.status_code == 416:
                self.at_end = True
                return
            if response.status_code != 206:
                await response.aread()
                raise GGUFSourceError(_status_message(response, self.url))
            first, total = _content_range(response.headers.get("Content-Range", ""))
            if first is not None and first != start:
                raise GGUFSourceError(
                    f"The server for {_host(self.url)} answered a request for bytes from "
                    f"{start:,} with bytes from {first:,}; it cannot be read in ranges."
                )
            want = target - start
            got = 0
            async for chunk in response.aiter_bytes():
                self.fetched += len(chunk)
                take = chunk[: want - got]
                self.data += take
                got += len(take)
                if got >= want:
                    break
            # A short answer is the end of the blob unless the server says there is more
            # (some CDNs cap the size of one range); an empty one always ends the read.
            if got == 0 or (got < want and (total is None or start + got >= total)):
                self.at_end = True
        finally:
            await response.aclose()

    async def _read_stream(self, target: int) -> None:
        chunks = self._chunks
        assert chunks is not None
        while len(self.data) < target:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                self.at_end = True
                return
            self.fetched += len(chunk)
            if self._skip:
                dropped = min(self._skip, len(chunk))
                chunk = chunk[dropped:]
                self._skip -= dropped
            self.data += chunk

    async def aclose(self) -> None:
        if self._stream is not None:
            await self._stream.aclose()
            self._stream = None


async def fetch_gguf_header(
    url: str,
    http: httpx.AsyncClient,
    *,
    headers: dict[str, str] | None = None,
    limits: GGUFLimits = DEFAULT_LIMITS,
    first_chunk: int = FIRST_CHUNK,
    deadline_s: float = DEADLINE_S,
    skip_strings_over: int | None = None,
) -> GGUFHeader:
    """Read the GGUF header of the blob at ``url`` with ranged GETs, following redirects.

    Fetches ``first_chunk`` bytes, then grows geometrically up to ``limits.max_header_bytes``;
    a server that ignores Range is read from its 200 stream only as far as needed, then closed.
    The whole read ends within ``deadline_s``. ``GGUFHeader.bytes_read`` reports the body
    bytes actually received. ``skip_strings_over``: as in ``parse_header`` (the vocabulary
    kept as its length only).
    """
    body = _RangedBody(http, url, dict(headers or {}))
    what = _host(url)
    try:
        async with asyncio.timeout(deadline_s):
            target = min(first_chunk, limits.max_header_bytes)
            while True:
                await body.fill_to(target)
                # The stream of a server ignoring Range may overshoot; the parser never looks
                # past the cap, and the overshoot is at most one network chunk.
                # No copy of the buffer (MBs at each attempt): the parse reads it in place.
                result = _attempt(body.data, limits, body.fetched, skip_strings_over)
                if isinstance(result, GGUFHeader):
                    return result
                target = _next_target(result, len(body.data), body.at_end, limits, what)
    except TimeoutError:
        raise GGUFSourceError(
            f"Reading the GGUF header from {what} did not finish within {deadline_s:g} s "
            f"({len(body.data):,} bytes had come); the server is too slow or stalled."
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise GGUFSourceError(
            f"Could not read the GGUF header from {what}: {str(exc) or type(exc).__name__}. "
            "Check the network connection and the address."
        ) from exc
    finally:
        await body.aclose()


def _content_range(content_range: str) -> tuple[int | None, int | None]:
    """(first byte, total size) of a ``Content-Range`` header; None where absent or ``*``."""
    match = _CONTENT_RANGE.search(content_range)
    if match is None or match.group(1) is None:
        return None, None
    total = match.group(3)
    return int(match.group(1)), int(total) if total.isdigit() else None


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except httpx.InvalidURL:
        return url


def _status_message(response: httpx.Response, url: str) -> str:
    status = response.status_code
    if status in (401, 403):
        advice = "it needs authorization this request does not have"
    elif status == 404:
        advice = "the blob does not exist there; the model or tag may have been removed"
    elif status == 429:
        advice = "too many requests; wait a minute and try again"
    elif status >= 500:
        advice = "the server has a problem; try again later"
    else:
        advice = "the address may be wrong"
    return f"Reading the GGUF header from {_host(url)} failed with HTTP {status}: {advice}."
