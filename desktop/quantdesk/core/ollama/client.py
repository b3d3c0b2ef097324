"""The async client for one Ollama daemon, on one shared ``httpx.AsyncClient``.

Timeouts: connecting gets a few seconds; plain requests get a bounded read timeout and a total
deadline per operation; streams (pull, generate, chat, load) get **no** read timeout — a pull
can legitimately take an hour — but must send their headers within a deadline, and then a stall
detector stops a stream that makes no progress. Bodies, lines and JSON nesting are bounded
(``bounds``).

Streams are async generators with ``async with`` around the HTTP response: closing or
cancelling the iteration closes the connection, which makes the daemon cancel the work. Wrap
them in ``contextlib.aclosing`` when you may stop early. A cancelled pull resumes on the next
pull of the same model because the daemon keeps partial downloads.

Every failure leaves as an ``OllamaError`` subclass (see ``errors``): transport errors are
mapped here, HTTP and in-stream errors by ``errors.error_from_response`` / the stream reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any

import httpx

from quantdesk import __version__
from quantdesk.core.deadlines import Deadlines, current_deadlines
from quantdesk.core.inert import brief
from quantdesk.core.ollama.bounds import (
    DEFAULT_LIMITS,
    Limits,
    Reply,
    bounded_request,
    decode_object,
    open_stream,
    operation,
)
from quantdesk.core.ollama.errors import (
    ConnectionDropped,
    DaemonUnreachable,
    MalformedStream,
    OllamaError,
    RequestTimeout,
    StreamStalled,
)
from quantdesk.core.ollama.generation import REPETITION, ChatChunk, GenerateChunk
from quantdesk.core.ollama.host import OllamaHost, resolve_host
from quantdesk.core.ollama.jsonfields import get_str
from quantdesk.core.ollama.keepalive import KeepAlive, parse_keep_alive
from quantdesk.core.ollama.names import parse_model_name, same_model, split_source
from quantdesk.core.ollama.progress import PullProgress, PullTracker, PullWatch
from quantdesk.core.ollama.show import ShowResponse
from quantdesk.core.ollama.stream import MAX_LINE_BYTES, iter_json_lines
from quantdesk.core.ollama.types import LocalModel, RunningModel

# The 0.5-1.5 s the scheduler allows VRAM to recover after an eviction (server/sched.go).
VRAM_RECOVERY_S = 1.5


def tls_for(host: OllamaHost) -> ssl.SSLContext | bool:
    """What the client verifies TLS with. Every request goes to ``host`` (redirects are not
    followed), so a plain-HTTP daemon, the usual local one, never does a TLS handshake: its
    context trusts no certificate at all, which fails closed if TLS were ever attempted and
    spares loading the CA bundle (about 0.1 s per client, at start-up and per host change).
    An https daemon gets httpx's full verification."""
    if host.scheme == "https":
        return True
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with an empty trust store


class OllamaClient:
    def __init__(
        self,
        host: str | OllamaHost | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        connect_timeout: float = 3.0,
        request_timeout: float = 60.0,
        pull_stall_timeout: float = 60.0,
        generate_stall_timeout: float = 120.0,
        load_timeout: float = 330.0,  # the daemon's own load limit is 5 min
        max_line_bytes: int = MAX_LINE_BYTES,
        clock: Callable[[], float] = time.monotonic,
        deadlines: Deadlines | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.host = host if isinstance(host, OllamaHost) else resolve_host(host)
        self.pull_stall_timeout = pull_stall_timeout
        self.generate_stall_timeout = generate_stall_timeout
        self.load_timeout = load_timeout
        self._max_line = min(max_line_bytes, limits.max_line_bytes)
        self.deadlines, self.limits = deadlines or current_deadlines(), limits
        self._clock = clock
        self._plain_timeout = httpx.Timeout(request_timeout, connect=connect_timeout)
        self._stream_timeout = httpx.Timeout(
            connect=connect_timeout, read=None, write=request_timeout, pool=request_timeout
        )
        self._unloaded_at: float | None = None  # when this client last unloaded a model
        self._owns_http = http is None
        # trust_env=False: the daemon is local or on the LAN; a desktop proxy setting must not
        # send model traffic (or loopback) through a corporate proxy.
        self._http = http or httpx.AsyncClient(
            timeout=self._plain_timeout,
            headers={"User-Agent": f"quantdesk/{__version__}"},
            trust_env=False,
            verify=tls_for(self.host),
        )

    async def __aenter__(self) -> OllamaClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # -- plumbing ---------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.host.url + path

    @contextlib.contextmanager
    def _transport_errors(self) -> Iterator[None]:
        try:
            yield
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise DaemonUnreachable(self.host.url, str(exc) or type(exc).__name__) from exc
        except httpx.TimeoutException as exc:
            raise RequestTimeout(f"{self.host.url} did not answer in time") from exc
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise ConnectionDropped(str(exc)) from exc
        except httpx.DecodingError as exc:
            raise MalformedStream(f"a body that does not decode: {exc}") from exc
        except httpx.HTTPError as exc:
            raise OllamaError(f"Talking to the daemon at {self.host.url} failed: {exc}") from exc

    async def _request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None,
        *, model: str | None = None, deadline: float,
    ) -> Reply:
        with self._transport_errors():
            return await bounded_request(
                self._http, method, self._url(path), host=self.host.url,
                what=operation(path, model), json=body, timeout=self._plain_timeout,
                deadline=deadline, limits=self.limits, model=model)

    async def _json(
        self, method: str, path: str, body: Mapping[str, Any] | None = None,
        *, model: str | None = None, deadline: float,
    ) -> dict[str, Any]:
        reply = await self._request(method, path, body, model=model, deadline=deadline)
        return decode_object(reply, host=self.host.url, what=operation(path, model),
                             limits=self.limits)

    async def _lines(
        self, path: str, body: Mapping[str, Any], *, model: str, stall: float | None,
        what: str | None = None,
        watch: Callable[[dict[str, Any]], float | None] | None = None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        download = path == "/api/pull"
        headers_within = (self.deadlines.pull_headers if download
                          else max(self.deadlines.generate_headers, self.load_timeout))
        what = what or operation(path, model)
        with self._transport_errors():
            async with open_stream(
                self._http, "POST", self._url(path), host=self.host.url, what=what,
                json=body, timeout=self._stream_timeout, header_deadline=headers_within,
                limits=self.limits, model=model,
            ) as resp:
                lines = iter_json_lines(
                    resp.aiter_bytes(), stall_timeout=stall,
                    max_line_bytes=self._max_line, model=model, watch=watch,
                )
                try:
                    async with contextlib.aclosing(lines):
                        async for data in lines:
                            yield data
                except StreamStalled as exc:
                    # The reader knows how long it waited; the words for what stalled are here.
                    if exc.operation:
                        raise
                    raise StreamStalled(exc.seconds, what, download=download) from None

    @staticmethod
    def _checked(model: str) -> str:
        # Raises InvalidModelName before anything is sent. The daemon takes a ":local" /
        # ":cloud" suffix off before it parses the name, so only the rest must be valid.
        parse_model_name(split_source(model)[0])
        return model.strip()

    # -- model management -------------------------------------------------------------------

    async def version(self) -> str:
        return get_str(await self._json("GET", "/api/version",
                                        deadline=self.deadlines.version), "version")

    async def health(self) -> bool:
        """True when the root answers "Ollama is running"; never raises for daemon trouble."""
        try:
            reply = await self._request("GET", "/", deadline=self.deadlines.health)
        except OllamaError:
            return False
        return "ollama is running" in reply.text.lower()

    async def tags(self) -> list[LocalModel]:
        data = await self._json("GET", "/api/tags", deadline=self.deadlines.tags)
        return [LocalModel.from_json(m) for m in _entries(data)]

    async def ps(self) -> list[RunningModel]:
        data = await self._json("GET", "/api/ps", deadline=self.deadlines.ps)
        return [RunningModel.from_json(m) for m in _entries(data)]

    async def show(self, model: str, verbose: bool = False) -> ShowResponse:
        model = self._checked(model)
        body: dict[str, Any] = {"model": model}
        if verbose:
            body["verbose"] = True
        deadline = self.deadlines.show_verbose if verbose else self.deadlines.show
        return ShowResponse.from_json(await self._json("POST", "/api/show", body, model=model,
                                                       deadline=deadline))

    async def show_shape(self, model: str) -> ShowResponse:
        """``show`` for a fit: non-verbose (no megabytes of tokenizer), asked again verbose
        only when a per-layer array came back ``null`` (a hybrid's ``head_count_kv``)."""
        shown = await self.show(model)
        info = shown.model_info
        arch = str(info.get("general.architecture") or "")
        if any(v is None for k, v in info.items() if k.startswith(f"{arch}.")):
            shown = await self.show(model, verbose=True)
        return shown

    async def pull(self, model: str, insecure: bool = False) -> AsyncGenerator[PullProgress, None]:
        """Progress of a download, one item per daemon line; the last has ``done=True``.

        A stall is no progress for ``pull_stall_timeout`` seconds (``PullWatch``): repeated
        lines do not count, and the silent digest check gets the time hashing needs. When the
        stream breaks or stalls after the downloads, the daemon may still finish the pull on its
        own (it does not stop when the client goes), so the installed list is checked before
        giving up: a model that appeared (or changed) since the pull began is a finished pull.
        """
        model = self._checked(model)
        tracker = PullTracker(self._clock)
        watch = PullWatch(self.pull_stall_timeout)
        before = await self._installed_stamp(model)
        body = {"model": model, "insecure": insecure, "stream": True}
        done = False
        last = PullProgress(status="")
        lines = self._lines("/api/pull", body, model=model, stall=self.pull_stall_timeout,
                            watch=watch)
        try:
            # aclosing: leaving this generator early must close the inner one (and so the
            # HTTP response) now, not whenever the garbage collector finalizes it.
            async with contextlib.aclosing(lines):
                async for line in lines:
                    last = tracker.update(line)
                    done = done or last.done
                    yield last
        except (ConnectionDropped, StreamStalled) as exc:
            if not watch.verifying or not await self._finished_since(model, before, exc):
                raise
            done = True
            yield replace(last, status="success", completed=last.total, done=True, eta_s=0.0)
            return
        if not done:
            if watch.verifying and await self._finished_since(model, before, None):
                yield replace(last, status="success", completed=last.total, done=True,
                              eta_s=0.0)
                return
            raise ConnectionDropped("the pull stream ended before the daemon reported success")

    async def _installed_stamp(self, model: str) -> tuple[str, str] | None:
        """(digest, modified_at) of the installed model of that name, None if absent."""
        try:
            models = await self.tags()
        except OllamaError:
            return None
        for m in models:
            if _same_name(m.name or m.model, model):
                return m.digest, str(m.modified_at)
        return None

    async def _finished_since(
        self, model: str, before: tuple[str, str] | None, exc: Exception | None,
    ) -> bool:
        # The daemon writes the manifest after hashing, whether or not we are still there; give
        # it twice the stall limit to finish, checking the installed list as it goes.
        limit = 0.0 if exc is None else 2 * self.pull_stall_timeout
        waited, step = 0.0, max(0.05, min(2.0, limit / 10))
        while True:
            now = await self._installed_stamp(model)
            if now is not None and now != before:
                return True
            if waited >= limit:
                return False
            await asyncio.sleep(step)
            waited += step

    async def delete(self, model: str) -> None:
        model = self._checked(model)
        await self._request("DELETE", "/api/delete", {"model": model}, model=model,
                            deadline=self.deadlines.delete)

    async def copy(self, source: str, destination: str) -> None:
        source, destination = self._checked(source), self._checked(destination)
        await self._request("POST", "/api/copy", {"source": source, "destination": destination},
                            model=source, deadline=self.deadlines.copy)

    # -- generation -------------------------------------------------------------------------

    @staticmethod
    def _common(
        body: dict[str, Any], *, options: Mapping[str, Any] | None, think: bool | str | None,
        logprobs: bool, top_logprobs: int | None, keep_alive: KeepAlive | None,
        format: str | Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        if options:
            body["options"] = dict(options)
        if think is not None:
            body["think"] = think
        if logprobs:
            body["logprobs"] = True
            if top_logprobs is not None:
                body["top_logprobs"] = top_logprobs
        if keep_alive is not None:
            body["keep_alive"] = parse_keep_alive(keep_alive)
        if format is not None:
            body["format"] = format
        return body

    async def _finished(
        self, path: str, body: dict[str, Any], model: str, stall: float | None,
        what: str | None = None,
    ) -> AsyncGenerator[dict[str, Any], None]:
        done = False
        started, first, tokens = self._clock(), 0.0, 0
        lines = self._lines(path, body, model=model, stall=stall, what=what)
        async with contextlib.aclosing(lines):
            async for line in lines:
                done = done or line.get("done") is True
                if not done and _has_text(line):
                    tokens += 1
                    first = first or self._clock()
                yield line
        if not done:
            # A cut connection raised above (ConnectionDropped); a stream that ends cleanly
            # without "done" is the runner giving up on a token repeated over 30 times.
            now = self._clock()
            yield {"model": model, "done": True, "done_reason": REPETITION,
                   "_client_timed": True, "eval_count": tokens,
                   "total_duration": int((now - started) * 1e9),
                   "prompt_eval_duration": int(((first or now) - started) * 1e9),
                   "eval_duration": int((now - (first or now)) * 1e9)}

    async def generate(
        self, model: str, prompt: str, *, system: str | None = None,
        options: Mapping[str, Any] | None = None, think: bool | str | None = None,
        logprobs: bool = False, top_logprobs: int | None = None,
        keep_alive: KeepAlive | None = None, format: str | Mapping[str, Any] | None = None,
        raw: bool = False, suffix: str | None = None, images: Sequence[str] | None = None,
    ) -> AsyncGenerator[GenerateChunk, None]:
        """Text as it is produced; the final chunk (``done``) carries ``metrics``."""
        model = self._checked(model)
        body: dict[str, Any] = {"model": model, "prompt": prompt, "stream": True}
        if system is not None:
            body["system"] = system
        if raw:
            body["raw"] = True
        if suffix is not None:
            body["suffix"] = suffix
        if images:
            body["images"] = list(images)
        self._common(body, options=options, think=think, logprobs=logprobs,
                     top_logprobs=top_logprobs, keep_alive=keep_alive, format=format)
        lines = self._finished("/api/generate", body, model, self.generate_stall_timeout)
        async with contextlib.aclosing(lines):
            async for line in lines:
                yield GenerateChunk.from_json(line)

    async def chat(
        self, model: str, messages: Sequence[Mapping[str, Any]], *,
        options: Mapping[str, Any] | None = None, think: bool | str | None = None,
        logprobs: bool = False, top_logprobs: int | None = None,
        keep_alive: KeepAlive | None = None, format: str | Mapping[str, Any] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
    ) -> AsyncGenerator[ChatChunk, None]:
        model = self._checked(model)
        body: dict[str, Any] = {
            "model": model, "messages": [dict(m) for m in messages], "stream": True,
        }
        if tools:
            body["tools"] = [dict(t) for t in tools]
        self._common(body, options=options, think=think, logprobs=logprobs,
                     top_logprobs=top_logprobs, keep_alive=keep_alive, format=format)
        lines = self._finished("/api/chat", body, model, self.generate_stall_timeout)
        async with contextlib.aclosing(lines):
            async for line in lines:
                yield ChatChunk.from_json(line)

    async def load(
        self, model: str, *, keep_alive: KeepAlive | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> GenerateChunk:
        """Load into memory without generating (an empty prompt); returns the final chunk,
        whose ``metrics.load_s`` is the load time."""
        model = self._checked(model)
        if self._unloaded_at is not None:
            # The scheduler waits for VRAM to come back only after evictions it starts itself
            # (server/sched.go); after an explicit unload a load at once may find the card
            # still full and offload fewer layers. Give the driver the time it takes.
            wait = VRAM_RECOVERY_S - (self._clock() - self._unloaded_at)
            if wait > 0:
                await asyncio.sleep(wait)
        body = self._common({"model": model, "prompt": ""}, options=options, think=None,
                            logprobs=False, top_logprobs=None, keep_alive=keep_alive,
                            format=None)
        last: dict[str, Any] = {}
        async for line in self._finished("/api/generate", body, model, self.load_timeout,
                                         what=f"loading '{brief(model, 120)}'"):
            last = line
        return GenerateChunk.from_json(last)

    async def unload(self, model: str) -> None:
        """Ask the daemon to drop the model from memory now (a no-op if it is not loaded)."""
        model = self._checked(model)
        body = {"model": model, "prompt": "", "keep_alive": 0}
        async for _ in self._finished("/api/generate", body, model,
                                      self.generate_stall_timeout,
                                      what=f"unloading '{brief(model, 120)}'"):
            pass
        self._unloaded_at = self._clock()


def _entries(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The objects of a ``models`` list; anything else there (null, a number) is no models."""
    models = data.get("models")
    return [m for m in models if isinstance(m, dict)] if isinstance(models, list) else []


def _same_name(a: str, b: str) -> bool:
    try:
        return same_model(a, split_source(b)[0])
    except OllamaError:
        return False


def _has_text(line: Mapping[str, Any]) -> bool:
    message = line.get("message")
    content = message.get("content") if isinstance(message, dict) else line.get("response")
    return bool(content) or bool(line.get("thinking"))
