"""Library actions that are not the shared model list: details, shapes for fit, copy, delete.

The installed list itself is ``services.installed`` (one ``/api/tags`` for the whole app) and
load / unload go through ``services.running``; this service adds what only the Library needs.
``/api/show`` answers are cached by digest: a model's shape never changes under one digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.ollama import LocalModel, OllamaClient, ShowResponse
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

SHOW_CONCURRENCY = 4  # enough to fill a library quickly without queueing the daemon


class LibraryService(QObject):
    """Signals:
    details_ready(str, object): model, its verbose ShowResponse
    details_failed(str, str): model, why
    shown(str, object): model, its (non-verbose) ShowResponse, for the fit column
    action_finished(str, str): model, "copy" | "delete"
    action_failed(str, str, str): model, action, a message a user can act on
    """

    details_ready = Signal(str, object)
    details_failed = Signal(str, str)
    shown = Signal(str, object)
    action_finished = Signal(str, str)
    action_failed = Signal(str, str, str)

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._bridge = services.bridge
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=self._on_failed)
        self._shapes: dict[str, ShowResponse] = {}  # digest -> show answer
        services.connection.host_changed.connect(self._on_host_changed)

    def shape(self, digest: str) -> ShowResponse | None:
        return self._shapes.get(digest)

    def details(self, name: str) -> None:
        client = self._services.client()
        self._jobs.start(f"details\n{name}", lambda: client.show(name, verbose=True))

    def fetch_shapes(self, models: Iterable[LocalModel]) -> None:
        """Ask ``/api/show`` for every model whose digest is not known yet; each answer
        arrives as ``shown``. Cached ones are re-announced at once."""
        wanted: list[LocalModel] = []
        for m in models:
            cached = self._shapes.get(m.digest)
            if cached is not None:
                self.shown.emit(m.name, cached)
            elif not m.is_remote:
                wanted.append(m)
        if wanted:
            client = self._services.client()
            self._jobs.start("shapes", lambda: self._fetch(client, wanted))

    async def _fetch(self, client: OllamaClient, models: list[LocalModel]) -> int:
        gate = asyncio.Semaphore(SHOW_CONCURRENCY)

        async def one(m: LocalModel) -> None:
            async with gate:
                try:
                    show = await client.show_shape(m.name)
                except Exception:  # one unreadable model must not hide the others' fit
                    return
            self._bridge.post(self._on_shown, m, show)

        await asyncio.gather(*(one(m) for m in models))
        return len(models)

    def _on_shown(self, model: LocalModel, show: ShowResponse) -> None:
        self._shapes[model.digest] = show
        self.shown.emit(model.name, show)

    def copy(self, source: str, destination: str) -> None:
        client = self._services.client()
        self._jobs.start(f"copy\n{source}", lambda: client.copy(source, destination))

    def delete(self, name: str) -> None:
        client = self._services.client()
        self._jobs.start(f"delete\n{name}", lambda: client.delete(name))

    def delete_many(self, names: list[str], *, unload_first: list[str] | None = None) -> None:
        """Delete ``names`` one after the other, unloading ``unload_first`` before (a deleted
        model's runner would otherwise keep its memory until its keep-alive ends). Each
        model ends in its own ``action_finished`` / ``action_failed``."""
        client = self._services.client()
        unload = set(unload_first or ())

        async def work() -> int:
            done = 0
            for name in names:
                try:
                    if name in unload:
                        await client.unload(name)
                    await client.delete(name)
                except Exception as exc:  # one model that will not go must not keep the rest
                    self._bridge.post(self.action_failed.emit, name, "delete", str(exc))
                    continue
                done += 1
                self._bridge.post(self.action_finished.emit, name, "delete")
            return done

        self._jobs.start("delete-many\n", work)

    def _on_finished(self, job: str, result: object) -> None:
        action, _, name = job.partition("\n")
        if action == "details":
            self.details_ready.emit(name, result)
        elif action in ("copy", "delete"):
            self.action_finished.emit(name, action)
            self._services.installed.refresh()
        elif action == "delete-many":
            self._services.installed.refresh()
            self._services.running.refresh()

    def _on_failed(self, job: str, message: str) -> None:
        action, _, name = job.partition("\n")
        if action == "details":
            self.details_failed.emit(name, message)
        elif action in ("copy", "delete"):
            self.action_failed.emit(name, action, message)
        elif action == "delete-many":
            self.action_failed.emit("", "delete", message)
            self._services.installed.refresh()

    def _on_host_changed(self, _host: str) -> None:
        self._jobs.cancel_all()
        self._shapes.clear()

    def shutdown(self) -> None:
        self._jobs.cancel_all()
