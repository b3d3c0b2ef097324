"""The quantization ladder of a model, and the machine its verdicts are for, off the GUI thread.

``core.advice.build_ladder`` (discovery, each size's shape, the snapshot when offline) and
``core.hosts.daemon_machine`` (the daemon's machine: this one on loopback, a host profile
elsewhere, a simulator's own) run on the I/O loop; the page then makes the plan itself
(``core.advice.make_plan``, pure and fast) as its context slider moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.advice import Ladder, build_ladder, size_groups
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.hosts import MachineView, daemon_machine, host_key
from quantdesk.core.machine import Machine
from quantdesk.core.registry import Endpoints, NoCache, PageCache, local_digests
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

__all__ = ["Ladder", "LoadedLadder", "VariantsService", "size_groups"]


@dataclass(frozen=True, slots=True)
class LoadedLadder:
    ladder: Ladder
    view: MachineView  # the machine the verdicts are for, when the ladder was read


class VariantsService(QObject):
    """Signals:
    ladder_ready(str, object): the query, its Ladder (``view_for(query)`` then says which
        machine its verdicts are for)
    failed(str, str): the query, a message a user can act on
    """

    ladder_ready = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, services: Services, *, use_cache: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._cache: PageCache = PageCache() if use_cache else NoCache()
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=lambda q, message: self.failed.emit(q, message))
        self._views: dict[str, MachineView] = {}

    def _on_finished(self, query: str, loaded: object) -> None:
        assert isinstance(loaded, LoadedLadder)
        self._views[query] = loaded.view
        self.ladder_ready.emit(query, loaded.ladder)

    def view_for(self, query: str) -> MachineView | None:
        """The machine the ladder of ``query`` is judged for (as it was when it was read)."""
        return self._views.get(query)

    def running(self, query: str) -> bool:
        return self._jobs.running(query)

    def load(self, query: str) -> None:
        """Discover the ladder of ``query``; a previous, different query is cancelled."""
        query = query.strip()
        self._jobs.cancel_all()
        services = self._services
        client = services.client() if services.connection.is_connected else None
        installed = local_digests(services.installed.models)
        endpoints = Endpoints.from_option(services.registry)
        cache = self._cache
        host = services.host
        hardware = services.hardware
        machine, fixed = hardware.machine, hardware.fixed_view
        what_if = machine if hardware.overridden else None

        async def here() -> Machine:
            return machine if machine is not None else await probe_machine_async()

        async def job() -> LoadedLadder:
            ladder = await build_ladder(query, client=client, endpoints=endpoints,
                                        cache=cache, installed=installed)
            if fixed is not None and fixed.host == host_key(host):
                view = fixed
            else:
                view = await daemon_machine(host, probe=here, client=client, what_if=what_if,
                                            version=services.connection.state.version or None)
            return LoadedLadder(ladder, view)

        self._jobs.start(query, job)

    def shutdown(self) -> None:
        self._jobs.cancel_all()
