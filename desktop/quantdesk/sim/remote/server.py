"""Serving the remote routes over HTTP: inside the simulated daemon, or on their own.

``write_remote(handler, site)`` is the one-call hook a ``BaseHTTPRequestHandler`` uses for a
path it does not know (returns False when the remote side does not know it either).
``RemoteServer`` runs the same routes alone on a loopback port, for tests and benchmarks that
need a registry without a daemon (or a registry on a second host name).
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from quantdesk.sim.catalog import Catalog, catalog
from quantdesk.sim.remote.faults import RemoteFaults
from quantdesk.sim.remote.routes import RemoteSite
from quantdesk.sim.server_base import QuietServer


def _base_url(handler: BaseHTTPRequestHandler) -> str:
    host = handler.headers.get("Host")
    if not host:
        addr = handler.server.server_address
        host = f"{addr[0]}:{addr[1]}"
    return f"http://{host}"


def write_remote(handler: BaseHTTPRequestHandler, site: RemoteSite) -> bool:
    """Answer the request with the remote routes; False (nothing written) if not ours."""
    headers = {k: v for k, v in handler.headers.items()}
    resp = site.handle(handler.command, handler.path, headers, _base_url(handler))
    if resp is None:
        return False
    handler.send_response(resp.status)
    for key, value in resp.headers.items():
        handler.send_header(key, value)
    handler.end_headers()
    if handler.command == "HEAD":
        return True
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for chunk in resp.body:
            handler.wfile.write(chunk)
    return True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "QuantDeskSimRegistry"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _any(self) -> None:
        if not write_remote(self, self.server.site):
            data = b"404 page not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

    do_GET = do_HEAD = _any


class _Server(QuietServer):
    def __init__(self, address: tuple[str, int], site: RemoteSite) -> None:
        self.site = site
        super().__init__(address, _Handler)


class RemoteServer:
    """The simulated registry, library pages and Hugging Face on one loopback port."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0,
                 catalog_: Catalog | None = None, faults: RemoteFaults | None = None) -> None:
        self.site = RemoteSite(catalog_ or catalog(), faults or RemoteFaults())
        self._server = _Server((host, port), self.site)
        self._thread: threading.Thread | None = None

    @property
    def faults(self) -> RemoteFaults:
        return self.site.faults

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RemoteServer:
        # A short poll interval keeps stop() quick; tests start and stop many servers.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="sim-remote")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> RemoteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
