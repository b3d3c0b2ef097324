"""Every request to the daemon ends: total deadlines, a header deadline, and size limits.

httpx's timeouts bound each read, not a request: a daemon that drips one byte a second (or a
proxy gone wrong) keeps a read timeout happy for ever. So each non-streaming call runs under a
total deadline, a stream must send its response headers within its own deadline (after that the
stall rule of ``stream`` watches it), and a body, one NDJSON line and one JSON document's
nesting are bounded. Each limit fails with a typed error whose sentence names the operation and
the daemon.

The deadlines themselves are in ``core.deadlines``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from quantdesk.core import safe_json
from quantdesk.core.inert import brief
from quantdesk.core.ollama.errors import (
    MalformedStream,
    OllamaError,
    RequestTimeout,
    error_from_response,
)

MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    max_body_bytes: int = 32 * MiB  # /api/show?verbose of the largest vocabularies: ~10 MB
    max_error_bytes: int = 64 * 1024  # an error body is read this far, the rest is dropped
    max_line_bytes: int = 16 * MiB  # one NDJSON line
    max_depth: int = safe_json.DEFAULT_MAX_DEPTH


DEFAULT_LIMITS = Limits()

_OPERATIONS = {
    "/api/version": "telling its version",
    "/api/tags": "listing the installed models",
    "/api/ps": "listing the loaded models",
    "/api/show": "describing {model}",
    "/api/delete": "deleting {model}",
    "/api/copy": "copying {model}",
    "/api/pull": "downloading {model}",
    "/api/generate": "generating text with {model}",
    "/api/chat": "chatting with {model}",
    "/": "answering its status page",
}


def operation(path: str, model: str | None = None) -> str:
    """What a request to ``path`` does, in words for a sentence: "listing the installed
    models (GET /api/tags)"."""
    words = _OPERATIONS.get(path, f"answering {path}")
    return words.format(model=f"'{brief(model, 120)}'" if model else "the model")


class DeadlineExceeded(RequestTimeout):
    def __init__(self, host: str, what: str, seconds: float, *, headers: bool = False) -> None:
        part = "start" if headers else "finish"
        advice = "try again" if headers else (
            'try again, or allow longer with "request_timeout" in the settings')
        OllamaError.__init__(
            self,
            f"The Ollama daemon at {host} did not {part} {what} within {seconds:g} s. It may "
            f"be overloaded, or what listens there is not Ollama; {advice}.",
        )
        self.host, self.operation, self.seconds = host, what, seconds


class ResponseTooLarge(MalformedStream):
    def __init__(self, host: str, what: str, limit: int) -> None:
        OllamaError.__init__(
            self,
            f"The daemon at {host} sent more than {_size(limit)} while {what}, more than any "
            "Ollama answer, so QuantDesk stopped reading. Is --host pointing at an Ollama "
            "daemon?",
        )
        self.host, self.operation, self.limit = host, what, limit


class UnreadableReply(MalformedStream):
    def __init__(self, host: str, what: str, reason: str) -> None:
        OllamaError.__init__(
            self,
            f"The daemon at {host} answered {what} with {reason}, which QuantDesk cannot "
            "read. Is --host pointing at an Ollama daemon?",
        )
        self.host, self.operation = host, what


class RedirectRefused(MalformedStream):
    def __init__(self, host: str, what: str, status: int, location: str) -> None:
        target = f" to {brief(location, 120)}" if location else ""
        OllamaError.__init__(
            self,
            f"The daemon at {host} answered {what} with a redirect (HTTP {status}){target}. "
            "An Ollama daemon never redirects, so QuantDesk did not follow it; check --host.",
        )
        self.host, self.operation = host, what


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n // 1024} KiB"


async def read_capped(resp: httpx.Response, limit: int) -> tuple[bytearray, bool]:
    """The body of a streamed response, at most ``limit`` bytes; True when there was more
    (the rest is not read: closing the response drops the connection). The buffer is handed
    over as it is, not copied: at the limit it is the largest thing in memory."""
    buf = bytearray()
    async for chunk in resp.aiter_bytes():
        room = limit - len(buf)
        if len(chunk) > room:
            buf += chunk[:room]
            return buf, True
        buf += chunk
    return buf, False


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytearray
    headers: httpx.Headers

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _refuse_redirect(resp: httpx.Response, host: str, what: str) -> None:
    if 300 <= resp.status_code < 400:
        raise RedirectRefused(host, what, resp.status_code, resp.headers.get("Location", ""))


async def _raise_for_error(resp: httpx.Response, limits: Limits, model: str | None) -> None:
    if resp.is_error:
        body, _ = await read_capped(resp, limits.max_error_bytes)
        raise error_from_response(resp.status_code, body.decode("utf-8", "replace"),
                                  model=model)


async def bounded_request(
    http: httpx.AsyncClient, method: str, url: str, *, host: str, what: str,
    json: Any = None, timeout: httpx.Timeout, deadline: float, limits: Limits,
    model: str | None = None,
) -> Reply:
    """One non-streaming request under a total deadline, its body read within the limits.

    A 3xx is refused; an error status becomes the matching ``OllamaError`` with only
    ``max_error_bytes`` of its body read. Transport errors propagate as httpx raised them,
    for the caller to map.
    """
    try:
        async with asyncio.timeout(deadline):
            async with http.stream(method, url, json=json, timeout=timeout) as resp:
                _refuse_redirect(resp, host, what)
                await _raise_for_error(resp, limits, model)
                body, more = await read_capped(resp, limits.max_body_bytes)
                if more:
                    raise ResponseTooLarge(host, what, limits.max_body_bytes)
                return Reply(resp.status_code, body, resp.headers)
    except TimeoutError:
        raise DeadlineExceeded(host, what, deadline) from None


@contextlib.asynccontextmanager
async def open_stream(
    http: httpx.AsyncClient, method: str, url: str, *, host: str, what: str, json: Any,
    timeout: httpx.Timeout, header_deadline: float, limits: Limits, model: str | None,
) -> AsyncIterator[httpx.Response]:
    """A streaming response whose status line and headers came within ``header_deadline``
    and whose status is a success; from then on the stream's own stall rule applies."""
    try:
        async with asyncio.timeout(header_deadline) as started:
            async with http.stream(method, url, json=json, timeout=timeout) as resp:
                _refuse_redirect(resp, host, what)
                await _raise_for_error(resp, limits, model)
                started.reschedule(None)
                yield resp
    except TimeoutError:
        if started.expired():
            raise DeadlineExceeded(host, what, header_deadline, headers=True) from None
        raise


def decode_object(reply: Reply, *, host: str, what: str, limits: Limits) -> dict[str, Any]:
    """The reply's JSON object, or ``UnreadableReply`` saying what was wrong with it."""
    try:
        return safe_json.loads_object(reply.body, max_depth=limits.max_depth)
    except safe_json.JsonRejected as exc:
        raise UnreadableReply(host, what, str(exc)) from None
