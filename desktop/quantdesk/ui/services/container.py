"""Every service of the app, built in one place (:meth:`Services.create`).

A page's constructor is ``Page(services: Services, parent=None)``; it takes the services it
needs from here and builds none of its own. Pages read the current host, settings and client
at the moment they start a job (the host can change at run time: "Explore with the simulated
daemon", the settings dialog) and listen to ``services.connection.host_changed`` /
``connected`` and ``services.config.changed`` to refresh.

Results cross from the I/O thread through ``services.bridge`` only; an exception in any GUI
update is routed to ``services.notifier`` (the window shows it).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from quantdesk.core.config import DEFAULT_HOST, Settings
from quantdesk.core.deadlines import deadlines_for
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient
from quantdesk.ui.io_thread import IoThread
from quantdesk.ui.services.bridge import Bridge
from quantdesk.ui.services.config_store import ConfigStore
from quantdesk.ui.services.connection import ConnectionService
from quantdesk.ui.services.hardware import HardwareService
from quantdesk.ui.services.installed import InstalledModels
from quantdesk.ui.services.library import LibraryService
from quantdesk.ui.services.loaded import LoadedModels
from quantdesk.ui.services.notifications import Notifier
from quantdesk.ui.services.pulls import PullsService
from quantdesk.ui.services.running import RunningService

if TYPE_CHECKING:
    from quantdesk.ui.services.chat import ChatService
    from quantdesk.ui.services.compare import CompareService, Runner
    from quantdesk.ui.services.compare_history import CompareHistory
    from quantdesk.ui.services.compare_store import StoreHolder
    from quantdesk.ui.services.evictions import EvictionService
    from quantdesk.ui.services.predictions import PredictionService
    from quantdesk.ui.services.variants import VariantsService

log = logging.getLogger(__name__)

T = TypeVar("T")


class _OnFirstUse(Generic[T]):
    """A service built the first time something asks for it: the first screen (the Library)
    uses none of these, and importing them (the comparison engine, the advice, the history
    store) is a good part of the start-up time."""

    def __init__(self, build: Callable[[Services], T]) -> None:
        self._build = build
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _OnFirstUse[T]: ...
    @overload
    def __get__(self, obj: Services, owner: type) -> T: ...
    def __get__(self, obj: Services | None, owner: type) -> T | _OnFirstUse[T]:
        if obj is None:
            return self
        built = obj.__dict__
        if self.name not in built:
            built[self.name] = self._build(obj)
        return built[self.name]  # type: ignore[no-any-return]

    def __set__(self, obj: Services, value: T) -> None:
        obj.__dict__[self.name] = value


def _predictions(s: Services) -> PredictionService:
    from quantdesk.ui.services.predictions import PredictionService

    return PredictionService(s, history_path=s.history_path)


def _variants(s: Services) -> VariantsService:
    from quantdesk.ui.services.variants import VariantsService

    return VariantsService(s)


def _compare_store(s: Services) -> StoreHolder:
    from quantdesk.ui.services.compare_store import StoreHolder

    return StoreHolder(s.history_path)


def _compare(s: Services) -> CompareService:
    from quantdesk.ui.services.compare import CompareService

    if s.compare_runner is None:
        compare = CompareService(s, s.compare_store)
    else:
        compare = CompareService(s, s.compare_store, runner=s.compare_runner)
    s.loaded.follow_compare(compare)  # a comparison's lines join the loaded state from here
    return compare


def _evictions(s: Services) -> EvictionService:
    from quantdesk.ui.services.evictions import EvictionService

    return EvictionService(s)


def _chat(s: Services) -> ChatService:
    from quantdesk.ui.services.chat import ChatService

    return ChatService(s, s.compare_store)


def _compare_history(s: Services) -> CompareHistory:
    from quantdesk.ui.services.compare_history import CompareHistory

    history = CompareHistory(s.io, s.bridge, s.compare_store)
    history.notice.connect(lambda text: s.notifier.notify("Compare history", text))
    return history


@dataclass(eq=False)
class Services:
    io: IoThread
    bridge: Bridge
    config: ConfigStore
    connection: ConnectionService
    hardware: HardwareService
    running: RunningService
    installed: InstalledModels
    notifier: Notifier
    registry_override: str | None = None  # --registry given on the command line
    owns_io: bool = True
    history_path: Path | None = None  # None: the usual history file
    compare_runner: Runner | None = None  # None: the real comparison runner
    # Set by the main window: builds a page (pages are built on first show), so a lead-in to
    # a page not built yet still finds it listening.
    build_page: Callable[[str], object] | None = None
    # Built by create() once the ones above exist (they take this container).
    pulls: PullsService = None  # type: ignore[assignment]
    library: LibraryService = None  # type: ignore[assignment]
    # Built on first use (the pages that need them), in this order of dependence.
    predictions = _OnFirstUse(_predictions)
    variants = _OnFirstUse(_variants)
    compare_ladders = _OnFirstUse(_variants)  # Compare's own lookups
    compare_store = _OnFirstUse(_compare_store)
    compare = _OnFirstUse(_compare)
    compare_history = _OnFirstUse(_compare_history)
    evictions = _OnFirstUse(_evictions)
    chat = _OnFirstUse(_chat)
    # What is loaded and what is under way: every status line renders from it.
    loaded: LoadedModels = None  # type: ignore[assignment]

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
        history_path: Path | None = None,
        compare_runner: Runner | None = None,
        disk_check: bool = True,
    ) -> Services:
        """Build every service. ``host``/``registry`` as given on the command line (None: the
        environment and settings decide); ``machine`` replaces the hardware probe;
        ``history_path`` the default history file; ``compare_runner`` the comparison runner
        (the GUI benchmark feeds synthetic tokens)."""
        owns_io = io is None
        io = io or IoThread()
        bridge = Bridge()
        notifier = Notifier()
        bridge.on_error = notifier.report_exception
        config = ConfigStore(settings, path=config_path)
        s = config.settings
        connection = ConnectionService(io, bridge, pick_host(host, s),
                                       deadlines=deadlines_for(s.request_timeout))
        hardware = HardwareService(io, bridge, override=s.hardware_override,
                                   probed_machine=machine)
        running = RunningService(connection, bridge, keep_alive=s.keep_alive,
                                 num_ctx=s.default_context)
        installed = InstalledModels(connection, bridge)
        services = cls(io, bridge, config, connection, hardware, running, installed, notifier,
                       registry_override=registry.strip() if registry else None,
                       owns_io=owns_io, history_path=history_path,
                       compare_runner=compare_runner)
        services.pulls = PullsService(services, disk_check=disk_check)
        services.library = LibraryService(services)
        services.loaded = LoadedModels(running, hardware, connection)
        services.loaded.follow_pulls(services.pulls)
        config.changed.connect(services._apply_settings)
        return services

    def built(self, name: str) -> Any:
        """The service ``name`` if it exists yet, else None (closing, or asking whether work
        is running, must not build a service only to find it idle)."""
        if isinstance(getattr(type(self), name, None), _OnFirstUse):
            return self.__dict__.get(name)
        return getattr(self, name)

    def start(self) -> None:
        """First probes: daemon and hardware (both answer through the bridge)."""
        self.connection.probe()
        self.hardware.probe()

    def _apply_settings(self, settings: Settings) -> None:
        if settings.host.strip() and settings.host.strip() != self.host:
            self.connection.set_host(settings.host)
        self.running.keep_alive = settings.keep_alive
        self.running.num_ctx = settings.default_context
        self.hardware.set_override(settings.hardware_override)
        self.connection.set_deadlines(deadlines_for(settings.request_timeout))

    def close(self) -> None:
        """Cancel every job, close the client on its loop and stop the I/O thread (bounded)."""
        for name in ("chat", "evictions", "compare", "compare_history", "compare_ladders",
                     "variants", "library", "predictions", "pulls"):
            service = self.built(name)
            if service is not None:
                service.shutdown()
        self.running.shutdown()
        self.installed.shutdown()
        self.hardware.shutdown()
        self.connection.shutdown()
        if self.io.running:
            try:
                self.io.call(_drain_and_close(self.connection, self.built("compare_store")),
                             timeout=10.0)
            except Exception:  # closing is best effort; the process may be exiting anyway
                log.warning("closing the daemon connection failed", exc_info=True)
            if self.owns_io:
                self.io.stop()
        store = self.built("compare_store")
        if store is not None:
            store.close()
        self.bridge.close()


async def _drain_and_close(connection: ConnectionService, store: StoreHolder | None) -> None:
    """Let the jobs cancelled by ``shutdown`` unwind (a cancelled request closes its socket;
    a cancelled comparison stores its "cancelled" runs), then close the clients and the
    history file.

    Tasks are not cancelled here one by one: some belong to anyio inside httpx (connection
    attempts), and cancelling those from outside their cancel scope leaks their sockets.
    """
    current = asyncio.current_task()
    for _ in range(2):  # again after the close: requests it cut short unwind then
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        if tasks:
            await asyncio.wait(tasks, timeout=2.0)
        await connection.aclose()
    if store is not None:
        await asyncio.to_thread(store.close)


def pick_host(cli_value: str | None, settings: Settings) -> str:
    """--host, else OLLAMA_HOST, else the settings, else the default (as the CLI decides)."""
    for value in (cli_value, os.environ.get("OLLAMA_HOST"), settings.host):
        if value and value.strip():
            return value.strip()
    return DEFAULT_HOST
