"""HTTP/1.1 plumbing of the simulated daemon: server, routing, JSON bodies, NDJSON streams.

Routing mimics gin as Ollama configures it: an unknown path is a plain-text ``404 page not
found``, a known path with the wrong method a plain-text ``405 method not allowed``. Streams
are chunked ``application/x-ndjson``, one JSON object per chunk. Armed faults are applied
here, so endpoint code never needs to know about them.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from quantdesk.sim.faults import RequestFaults
from quantdesk.sim.remote.server import write_remote
from quantdesk.sim.server_base import QuietServer

if TYPE_CHECKING:
    from quantdesk.sim.daemon import SimDaemon

Endpoint = Callable[["SimHandler", dict[str, Any]], None]


JSON_UTF8 = "application/json; charset=utf-8"  # gin's c.JSON when no Content-Type was set
# server/routes.go waitForStream and streamResponse set this before their c.JSON, and gin keeps
# a Content-Type already set: a stream:false pull/push/create answer, and an error a stream
# sends before its first line, carry the bare type.
BARE_JSON = "application/json"


class HttpError(Exception):
    """Answer with ``{"error": message}`` and ``status`` (before any streaming started).

    ``from_stream`` marks an error the handler's stream produced before its first line
    (Ollama's goroutine errors), which goes out with the bare ``application/json`` type.
    """

    def __init__(
        self,
        status: int,
        message: str,
        extra: dict[str, Any] | None = None,
        *,
        from_stream: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra or {}
        self.content_type = BARE_JSON if from_stream else JSON_UTF8


class ConnectionGone(Exception):  # noqa: N818 - a state, not a programming error
    """The client went away, or a fault or a shutdown cut the connection."""


class SimServer(QuietServer):
    def __init__(self, address: tuple[str, int], daemon: SimDaemon) -> None:
        self.sim = daemon
        self.closing = threading.Event()
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, SimHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Stop serving and cut every open connection, mid-stream ones included."""
        self.closing.set()
        self.shutdown()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self.server_close()


class NdjsonStream:
    """A chunked NDJSON response; ``send`` raises ConnectionGone when the line cannot go out."""

    def __init__(self, handler: SimHandler) -> None:
        self._h = handler
        self.lines = 0
        self.bytes = 0
        handler.send_response(200)
        handler.send_header("Content-Type", "application/x-ndjson")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()

    def send(self, obj: dict[str, Any]) -> None:
        h, faults = self._h, self._h.faults
        if h.server.closing.is_set():
            raise ConnectionGone("daemon stopped")
        stall = faults.first("stall")
        if stall and self.lines == stall.after_lines:
            time.sleep(stall.seconds)
        bad = faults.first("malformed")
        if bad and self.lines == bad.after_lines:
            self._chunk(b'{"status":"pulling manif\n')
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        drop = faults.first("drop")
        if drop and (
            self.lines >= drop.after_lines
            if drop.after_bytes is None
            else self.bytes + len(data) > drop.after_bytes
        ):
            if drop.after_bytes is not None:
                self._chunk(data[: max(0, drop.after_bytes - self.bytes)])
            h.abort()
        self._chunk(data)
        self.lines += 1
        self.bytes += len(data)

    def _chunk(self, data: bytes) -> None:
        if data:
            self._h.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end(self) -> None:
        self._h.write(b"0\r\n\r\n")


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Go (and so Ollama) sets TCP_NODELAY; without it each small NDJSON chunk waits ~40 ms
    # for the client's delayed ACK (Nagle), which real daemons never show.
    disable_nagle_algorithm = True
    sys_version = ""
    server: SimServer
    faults: RequestFaults

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # tests and the CLI want a quiet server

    def send_response(self, code: int, message: str | None = None) -> None:
        # Go's net/http sends Date but no Server header; http.server would add "Server:".
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    @property
    def sim(self) -> SimDaemon:
        return self.server.sim

    # -- dispatch ---------------------------------------------------------------------------
    def _dispatch(self) -> None:
        self.faults = RequestFaults([])
        path = self.path.split("?", 1)[0]
        methods = self.sim.routes.get(path)
        raw = False
        if methods is None:
            for prefix, table in getattr(self.sim, "prefix_routes", {}).items():
                if path.startswith(prefix) and len(path) > len(prefix):
                    methods, raw = table, prefix == "/api/blobs/"
                    break
        remote = getattr(self.sim, "remote", None)
        if methods is None and remote is not None and write_remote(self, remote):
            return  # registry, CDN, library pages, Hugging Face (quantdesk.sim.remote)
        if methods is None:
            self._drain()
            self.send_text(404, "404 page not found")
            return
        endpoint = methods.get(self.command)
        if endpoint is None:
            self._drain()
            self.send_text(405, "405 method not allowed")
            return
        try:
            body = (self._read_body() if self.command in ("POST", "DELETE") and not raw
                    else {})
            log = getattr(self.sim, "request_log", None)
            if log is not None:  # a record of what a client sent, for conformance fixtures
                log.append({"method": self.command, "path": self.path, "body": body,
                            "headers": {k.lower(): v for k, v in self.headers.items()
                                        if k.lower() in ("authorization", "accept")}})
            model = body.get("model") or body.get("name") or body.get("source")
            self.faults = self.sim.faults.take(path, model if isinstance(model, str) else None)
            slow = self.faults.first("slow_first_byte")
            if slow:
                time.sleep(slow.seconds)
            err = self.faults.first("http_error")
            if err:
                raise HttpError(err.status, err.message)
            endpoint(self, body)
        except HttpError as exc:
            self.send_json(exc.status, {"error": exc.message, **exc.extra}, exc.content_type)
        except (ConnectionGone, BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = do_OPTIONS = _dispatch

    def do_HEAD(self) -> None:
        self._dispatch()

    # -- request body -----------------------------------------------------------------------
    def _raw_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def raw_body(self) -> bytes:
        """The request body as bytes (blob uploads are not JSON)."""
        return self._raw_body()

    def _drain(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            self._raw_body()

    def _read_body(self) -> dict[str, Any]:
        raw = self._raw_body()
        if not raw.strip():
            raise HttpError(400, "missing request body")
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise HttpError(400, f"invalid character in request body: {exc}") from exc
        if not isinstance(body, dict):
            raise HttpError(400, "json: cannot unmarshal into Go value of type api.Request")
        return body

    # -- responses --------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:
            raise ConnectionGone(str(exc)) from exc

    def abort(self) -> None:
        """Cut the connection now (a drop fault); the client sees an incomplete response."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise ConnectionGone("dropped by fault injection")

    def _send(self, status: int, content_type: str | None, data: bytes) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "HEAD":
            return
        drop = self.faults.first("drop")
        if drop:
            self.write(data[: drop.after_bytes or 0])
            self.abort()
        self.write(data)

    def send_json(self, status: int, obj: Any, content_type: str = JSON_UTF8) -> None:
        data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()
        self._send(status, content_type, data)

    def send_text(self, status: int, text: str) -> None:
        self._send(status, "text/plain; charset=utf-8", text.encode())

    def send_empty(self, status: int = 200) -> None:
        self._send(status, None, b"")

    def stream(self) -> NdjsonStream:
        return NdjsonStream(self)
