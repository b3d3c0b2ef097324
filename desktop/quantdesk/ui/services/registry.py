"""The shared services every page is built with.

A page's constructor is ``Page(services: Services, parent=None)``. Pages read the current host,
settings and client from here at the moment they start a job (the host can change at run time:
"Explore with the simulated daemon", the settings dialog) and listen to
``services.connection.host_changed`` / ``connected`` and ``services.config.changed`` to refresh.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from quantdesk.core.config import DEFAULT_HOST, Settings
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.config_store import ConfigStore
from quantdesk.ui.services.connection import ConnectionService
from quantdesk.ui.services.hardware import HardwareService
from quantdesk.ui.services.installed import InstalledModels
from quantdesk.ui.services.notifications import Notifier
from quantdesk.ui.services.running import RunningService

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Services:
    io: IoThread
    config: ConfigStore
    connection: ConnectionService
    hardware: HardwareService
    running: RunningService
    installed: InstalledModels
    notifier: Notifier
    registry_override: str | None = None  # --registry given on the command line
    owns_io: bool = True

    @property
    def host(self) -> str:
        return self.connection.host

    @property
    def registry(self) -> str | None:
        return self.registry_override or (self.config.settings.registry.strip() or None)

    @property
    def settings(self) -> Settings:
        return self.config.settings

    def client(self) -> OllamaClient:
        """The client for the current host; it lives on the I/O loop: use it only in jobs."""
        return self.connection.client()

    @classmethod
    def create(
        cls,
        host: str | None = None,
        *,
        registry: str | None = None,
        io: IoThread | None = None,
        settings: Settings | None = None,
        config_path: Path | None = None,
        machine: Machine | None = None,
    ) -> Services:
        """Build every service. ``host``/``registry`` as given on the command line (None: the
        environment and settings decide); ``machine`` replaces the hardware probe."""
        owns_io = io is None
        io = io or IoThread()
        config = ConfigStore(settings, path=config_path)
        s = config.settings
        connection = ConnectionService(io, pick_host(host, s))
        hardware = HardwareService(io, override=s.hardware_override, probed_machine=machine)
        running = RunningService(connection, keep_alive=s.keep_alive, num_ctx=s.default_context)
        installed = InstalledModels(connection)
        services = cls(io, config, connection, hardware, running, installed, Notifier(),
                       registry_override=registry.strip() if registry else None,
                       owns_io=owns_io)
        config.changed.connect(services._apply_settings)
        return services

    def start(self) -> None:
        """First probes: daemon and hardware (both answer through signals)."""
        self.connection.probe()
        self.hardware.probe()

    def _apply_settings(self, settings: Settings) -> None:
        if settings.host.strip() and settings.host.strip() != self.host:
            self.connection.set_host(settings.host)
        self.running.keep_alive = settings.keep_alive
        self.running.num_ctx = settings.default_context
        self.hardware.set_override(settings.hardware_override)

    def close(self) -> None:
        """Cancel every job, close the client on its loop and stop the I/O thread (bounded)."""
        self.running.shutdown()
        self.installed.shutdown()
        self.hardware.shutdown()
        self.connection.shutdown()
        if self.io.running:
            try:
                self.io.call(_drain_and_close(self.connection), timeout=10.0)
            except Exception:  # closing is best effort; the process may be exiting anyway
                log.warning("closing the daemon connection failed", exc_info=True)
            if self.owns_io:
                self.io.stop()


async def _drain_and_close(connection: ConnectionService) -> None:
    """Let the jobs cancelled by ``shutdown`` unwind (a cancelled request closes its socket),
    then close the clients.

    Tasks are not cancelled here one by one: some belong to anyio inside httpx (connection
    attempts), and cancelling those from outside their cancel scope leaks their sockets.
    """
    current = asyncio.current_task()
    for _ in range(2):  # again after the close: requests it cut short unwind then
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
        await connection.aclose()


def pick_host(cli_value: str | None, settings: Settings) -> str:
    """--host, else OLLAMA_HOST, else the settings, else the default (as the CLI decides)."""
    for value in (cli_value, os.environ.get("OLLAMA_HOST"), settings.host):
        if value and value.strip():
            return value.strip()
    return DEFAULT_HOST
