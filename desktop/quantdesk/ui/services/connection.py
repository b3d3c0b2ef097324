"""The link to the daemon: owns the one OllamaClient, knows whether the daemon answers, and
reconnects on its own with backoff (1 s doubling to 30 s) while it does not.

Other services call :meth:`ConnectionService.client` for every job (the client changes when the
host does) and :meth:`report_unreachable` when a call of theirs finds the daemon gone.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from PySide6.QtCore import QObject, QTimer, Signal

from quantdesk.core.deadlines import DEFAULT_DEADLINES, Deadlines
from quantdesk.core.ollama import DaemonUnreachable, OllamaClient
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.jobs import Jobs
from quantdesk.ui.services.states import ConnectionState

log = logging.getLogger(__name__)

__all__ = ["ConnectionService", "ConnectionState"]

FIRST_RETRY_MS = 1000
MAX_RETRY_MS = 30_000
# How long a client replaced by a host change stays open for the requests still using it.
RETIRE_DELAY_S = 5.0


class ConnectionService(QObject):
    """Signals:
    state_changed(object): the new ConnectionState, on every change
    connected(str): daemon version, each time the daemon (re)appears
    disconnected(str): the reason, each time it goes away
    host_changed(str): the host, after :meth:`set_host`
    """

    state_changed = Signal(object)
    connected = Signal(str)
    disconnected = Signal(str)
    host_changed = Signal(str)

    def __init__(self, io: IoThread, bridge: Bridge, host: str,
                 parent: QObject | None = None, *, deadlines: Deadlines | None = None) -> None:
        super().__init__(parent)
        self.io = io
        # What the request_timeout setting makes of every daemon request, as in the CLI.
        self._deadlines = deadlines or DEFAULT_DEADLINES
        self.bridge = bridge
        self._jobs = Jobs(io, bridge, on_finished=self._on_probe_ok,
                          on_failed=self._on_probe_failed)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.probe)
        self._backoff_ms = FIRST_RETRY_MS
        self._client = OllamaClient(host, deadlines=self._deadlines)
        self._retired: list[OllamaClient] = []
        self._closing: list[concurrent.futures.Future[None]] = []
        self._state = ConnectionState(host=host, status="connecting")

    @property
    def state(self) -> ConnectionState:
        return self._state

    @property
    def host(self) -> str:
        return self._state.host

    @property
    def is_connected(self) -> bool:
        return self._state.connected

    def client(self) -> OllamaClient:
        return self._client

    @property
    def deadlines(self) -> Deadlines:
        return self._deadlines

    def set_deadlines(self, deadlines: Deadlines) -> None:
        """The request_timeout setting changed: every request from now on keeps to it."""
        self._deadlines = deadlines
        self._client.deadlines = deadlines

    def probe(self) -> None:
        """Ask the daemon for its version now (cancels a pending automatic retry)."""
        self._retry.stop()
        client = self._client
        self._jobs.start("probe", lambda: _probe(client))

    def retry_now(self) -> None:
        self._backoff_ms = FIRST_RETRY_MS
        self._set(ConnectionState(self.host, "connecting", reason=self._state.reason))
        self.probe()

    def set_host(self, host: str) -> None:
        """Point everything at another daemon; the old client is closed on the I/O loop."""
        host = host.strip()
        if host == self.host:
            self.retry_now()
            return
        self._jobs.cancel("probe")
        old = self._client
        # Closed a little later, once requests other services started on it have finished:
        # closing a pool while one of its connections is still being opened leaks that
        # socket. Shutdown cancels the wait and closes every retired client itself.
        self._retired.append(old)
        self._closing.append(self.io.submit(_close_later(old)))
        self._client = OllamaClient(host, deadlines=self._deadlines)
        self._backoff_ms = FIRST_RETRY_MS
        self._set(ConnectionState(host, "connecting"))
        self.host_changed.emit(host)
        self.probe()

    def report_unreachable(self, reason: str) -> None:
        """Another service found the daemon gone: show it and start reconnecting."""
        if self._state.status == "unreachable" or self._jobs.running("probe"):
            return
        self._backoff_ms = FIRST_RETRY_MS
        self._mark_unreachable(reason)

    def shutdown(self) -> None:
        self._retry.stop()
        self._jobs.cancel_all()
        for pending in self._closing:
            pending.cancel()
        self._closing.clear()

    async def aclose(self) -> None:
        for client in (*self._retired, self._client):
            try:
                await client.aclose()
            except Exception:  # one bad close must not leave the other clients open
                log.warning("closing a daemon client failed", exc_info=True)
        for _ in range(3):  # let the closed sockets' callbacks run (see IoThread.stop)
            await asyncio.sleep(0)

    def _on_probe_ok(self, _job: str, version: object) -> None:
        self._backoff_ms = FIRST_RETRY_MS
        was_connected = self._state.connected
        self._set(ConnectionState(self.host, "connected", version=str(version)))
        if not was_connected:
            self.connected.emit(str(version))

    def _on_probe_failed(self, _job: str, message: str) -> None:
        self._mark_unreachable(message)

    def _mark_unreachable(self, reason: str) -> None:
        was_unreachable = self._state.status == "unreachable"
        delay = self._backoff_ms
        self._backoff_ms = min(self._backoff_ms * 2, MAX_RETRY_MS)
        self._set(ConnectionState(self.host, "unreachable", reason=reason, retry_in_ms=delay))
        self._retry.start(delay)
        if not was_unreachable:
            self.disconnected.emit(reason)

    def _set(self, state: ConnectionState) -> None:
        self._state = state
        self.state_changed.emit(state)


async def _probe(client: OllamaClient) -> str:
    # A daemon that accepts the connection but never answers is as good as gone.
    within = max(5.0, client.deadlines.version)
    try:
        return str(await asyncio.wait_for(client.version(), timeout=within))
    except TimeoutError as exc:
        raise DaemonUnreachable(client_host(client), f"no answer within {within:g} s") from exc


async def _close_later(client: OllamaClient, delay_s: float = RETIRE_DELAY_S) -> None:
    await asyncio.sleep(delay_s)
    await client.aclose()


def client_host(client: OllamaClient) -> str:
    return str(getattr(client, "host", "the daemon"))
