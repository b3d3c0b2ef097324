"""A loopback server that answers HTTP the way a hostile daemon or registry would.

Each route is a function that gets the raw socket and the parsed request and writes whatever
bytes it likes: a status line and then nothing, one byte a second, gigabytes, a reset, HTTP/1.0
with no length. The helpers below write the well-formed parts. Every request is recorded, so a
test can assert that a redirect was not followed.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


Route = Callable[[socket.socket, Request], None]


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    path, _, query = target.partition("?")
    return Request(method, path, query, headers, rest[:length])


@dataclass
class HostileServer:
    routes: dict[str, Route]  # "GET /api/tags" or "/api/tags" (any method)
    seen: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                while not self._stop.is_set():
                    request = _read_request(conn)
                    if request is None:
                        return
                    self.seen.append(request)
                    route = (self.routes.get(f"{request.method} {request.path}")
                             or self.routes.get(request.path) or not_found)
                    if route(conn, request) is not KEEP_ALIVE:
                        return
            except OSError:
                return  # the client hung up: normal for every case here

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)


KEEP_ALIVE = object()  # a route returning this keeps the connection for the next request


# -- the well-formed parts ------------------------------------------------------------------

def head(status: int = 200, headers: Iterable[tuple[str, str]] = (), *,
         version: str = "HTTP/1.1") -> bytes:
    lines = [f"{version} {status} X"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def send(conn: socket.socket, status: int, body: bytes,
         content_type: str = "application/json", extra: Iterable[tuple[str, str]] = ()) -> Any:
    conn.sendall(head(status, [("Content-Type", content_type),
                               ("Content-Length", str(len(body))), *extra]) + body)
    return KEEP_ALIVE


def send_json(conn: socket.socket, doc: Any, status: int = 200) -> Any:
    return send(conn, status, json.dumps(doc).encode())


def start_chunked(conn: socket.socket, content_type: str = "application/x-ndjson") -> None:
    conn.sendall(head(200, [("Content-Type", content_type), ("Transfer-Encoding", "chunked")]))


def chunk(conn: socket.socket, data: bytes) -> None:
    conn.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def end_chunked(conn: socket.socket) -> None:
    conn.sendall(b"0\r\n\r\n")


def send_lines(conn: socket.socket, docs: Iterable[Any]) -> Any:
    start_chunked(conn)
    for doc in docs:
        chunk(conn, (doc if isinstance(doc, bytes) else json.dumps(doc).encode()) + b"\n")
    end_chunked(conn)
    return KEEP_ALIVE


def not_found(conn: socket.socket, request: Request) -> Any:
    return send(conn, 404, b"404 page not found", "text/plain")


def reset(conn: socket.socket) -> None:
    """Close with RST instead of FIN: the peer reads ECONNRESET."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def endless(conn: socket.socket, piece: bytes, *, chunked: bool = True) -> None:
    """Send ``piece`` for ever (until the peer hangs up): a multi-GB body at loopback speed."""
    framed = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    while True:
        conn.sendall(framed)


def drip(conn: socket.socket, data: bytes, every_s: float = 1.0) -> None:
    """One byte per ``every_s`` seconds."""
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(every_s)
