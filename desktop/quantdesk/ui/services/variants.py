"""The quantization ladder of a model, and the machine its verdicts are for, off the GUI thread.

``core.advice.build_ladder`` (discovery, each size's shape, the snapshot when offline) and
``core.hosts.daemon_machine`` (the daemon's machine: this one on loopback, a host profile
elsewhere, a simulator's own) run on the I/O loop; the page then makes the plan itself
(``core.advice.make_plan``, pure and fast) as its context slider moves.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.advice import Ladder, Measured, build_ladder, read_measured, size_groups
from quantdesk.core.errors import QuantDeskError
from quantdesk.core.hardware import probe_machine_async
from quantdesk.core.hosts import HostProfile, MachineView, daemon_machine, host_key, profile_for
from quantdesk.core.machine import Machine
from quantdesk.core.ollama.names import parse_model_name
from quantdesk.core.registry import Endpoints, NoCache, PageCache, local_digests, new_http_client
from quantdesk.core.transformers import SafetensorsRepo, read_repo
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

__all__ = ["Ladder", "LoadedLadder", "VariantsService", "size_groups"]


@dataclass(frozen=True, slots=True)
class LoadedLadder:
    ladder: Ladder
    view: MachineView  # the machine the verdicts are for, when the ladder was read
    profile: HostProfile | None = None  # the daemon's host profile, when it has one
    measured: Measured = field(default_factory=Measured)  # Compare's figures for this model
    notes: tuple[str, ...] = ()  # what could not be read (the history), in words


def _measured(repository: str, path: Path | None) -> tuple[Measured, tuple[str, ...]]:
    """Compare's own figures for ``repository`` (blocking: run it in a worker thread)."""
    try:
        return read_measured(repository, path), ()
    except (QuantDeskError, OSError, ValueError) as exc:
        return Measured(), (f"the Compare history could not be read ({exc}); quality and "
                            "speed are the published and estimated figures",)


class VariantsService(QObject):
    """Signals:
    ladder_ready(str, object): the query, its Ladder (``view_for(query)`` then says which
        machine its verdicts are for)
    safetensors_ready(str, object): the query, the SafetensorsRepo of a Hugging Face
        repository without GGUF files (its transformers footprint is the page's to compute)
    failed(str, str): the query, a message a user can act on
    """

    ladder_ready = Signal(str, object)
    safetensors_ready = Signal(str, object)
    failed = Signal(str, str)

    def __init__(self, services: Services, *, use_cache: bool = True,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._cache: PageCache = PageCache() if use_cache else NoCache()
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=lambda q, message: self.failed.emit(q, message))
        self._loaded: dict[str, LoadedLadder] = {}

    def _on_finished(self, query: str, loaded: object) -> None:
        if isinstance(loaded, SafetensorsRepo):
            self.safetensors_ready.emit(query, loaded)
            return
        assert isinstance(loaded, LoadedLadder)
        self._loaded[query] = loaded
        self.ladder_ready.emit(query, loaded.ladder)

    def view_for(self, query: str) -> MachineView | None:
        """The machine the ladder of ``query`` is judged for (as it was when it was read)."""
        loaded = self._loaded.get(query)
        return loaded.view if loaded else None

    def loaded(self, query: str) -> LoadedLadder | None:
        """Everything read with the ladder of ``query``: its machine, the host profile and
        Compare's measured figures."""
        return self._loaded.get(query)

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
        store = services.compare_store
        history = store.path if store is not None else None

        async def here() -> Machine:
            return machine if machine is not None else await probe_machine_async()

        async def job() -> LoadedLadder | SafetensorsRepo:
            try:
                ladder = await build_ladder(query, client=client, endpoints=endpoints,
                                            cache=cache, installed=installed)
            except QuantDeskError as exc:
                # A Hugging Face repository of safetensors: its transformers footprint
                repo = await _safetensors(query, endpoints) if "no GGUF" in str(exc) else None
                if repo is None:
                    raise
                return repo
            if fixed is not None and fixed.host == host_key(host):
                view = fixed
            else:
                view = await daemon_machine(host, probe=here, client=client, what_if=what_if,
                                            version=services.connection.state.version or None)
            profile = await asyncio.to_thread(profile_for, host)
            measured, notes = await asyncio.to_thread(_measured, ladder.repository, history)
            return LoadedLadder(ladder, view, profile, measured, notes)

        self._jobs.start(query, job)

    def shutdown(self) -> None:
        self._jobs.cancel_all()


async def _safetensors(query: str, endpoints: Endpoints) -> SafetensorsRepo | None:
    """The safetensors repository ``query`` names, when it is a Hugging Face one that has
    them (None otherwise: the ladder's own error then stands)."""
    try:
        ref = parse_model_name(query)
    except (QuantDeskError, ValueError):
        return None
    if not ref.is_hugging_face:
        return None
    try:
        async with new_http_client() as http:
            return await read_repo(http, endpoints, ref.namespace, ref.model)
    except QuantDeskError:
        return None
