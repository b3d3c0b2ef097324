"""Before a load: which loaded models it will unload (``core.eviction``); afterwards: putting
them back (``core.restore``).

``check(key, models, num_ctx)`` asks the daemon what is loaded and how big each incoming
model is, replays the scheduler for each of ``models`` in turn (a comparison loads them one
after another, each unloaded before the next) and answers ``checked(key, UnloadWarning)``.
A check that cannot be made (daemon trouble, unknown machine) answers a warning with nothing
to unload: the action itself then reports the trouble, in its own words.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from quantdesk.core.errors import QuantDeskError
from quantdesk.core.eviction import Eviction, IncomingModel, RestoreItem, predict_evictions
from quantdesk.core.loaded_state import model_key
from quantdesk.core.machine import Machine
from quantdesk.core.ollama import OllamaClient, RunningModel
from quantdesk.core.restore import RestoreResult, restore_models
from quantdesk.ui.services.jobs import Jobs

if TYPE_CHECKING:
    from quantdesk.ui.services.container import Services

DEFAULT_CTX = 4096  # what a new runner gets when nothing sets num_ctx (fit-model.md §9)


@dataclass(frozen=True, slots=True)
class UnloadWarning:
    """What an action will unload: ``text`` is the sentence to show ("" when nothing)."""

    models: tuple[str, ...]  # what is about to be loaded
    unloads: tuple[str, ...] = ()
    restore: tuple[RestoreItem, ...] = ()
    text: str = ""


def join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def warning_text(models: Sequence[str], evictions: Sequence[Eviction]) -> str:
    others = [e.name for e in evictions if e.reason != "reload"]
    if not others:
        return ""
    why = " to make room in GPU memory" if any(e.reason == "memory" for e in evictions) else ""
    if any(e.reason == "limit" for e in evictions):
        why += (" and" if why else "") + " because Ollama keeps only so many models loaded"
    what = f"Loading {models[0]}" if len(models) == 1 else "The comparison"
    return f"{what} will unload {join_names(others)}{why}."


async def _incoming(client: OllamaClient, machine: Machine, name: str, num_ctx: int,
                    version: str, sizes: dict[str, int]) -> IncomingModel:
    # Imported here: the comparison package is not needed on the first screen (start time).
    from quantdesk.core.compare.planning import predict, shape_or_none

    file_bytes = next((size for n, size in sizes.items() if model_key(n) == model_key(name)), 0)
    try:
        shape = shape_or_none(name, await client.show_shape(name))
    except QuantDeskError:
        shape = None
    if shape is None:  # an architecture we cannot size: the file alone is the floor
        return IncomingModel(name, file_bytes, num_ctx)
    fit = await asyncio.to_thread(predict, shape, machine, num_ctx or DEFAULT_CTX, version)
    return IncomingModel.from_fit(fit, file_bytes=file_bytes, arch=shape.arch, name=name)


async def check_unloads(client: OllamaClient, machine: Machine | None, models: Sequence[str],
                        num_ctx: int = 0) -> UnloadWarning:
    if machine is None:
        return UnloadWarning(tuple(models))
    loaded: list[RunningModel] = list(await client.ps())
    version = await client.version()
    sizes = {m.name: m.size for m in await client.tags()}
    now = dt.datetime.now(dt.UTC)
    evicted: list[Eviction] = []
    restore: list[RestoreItem] = []
    incoming_keys = {model_key(m) for m in models}
    for name in models:
        incoming = await _incoming(client, machine, name, num_ctx, version, sizes)
        plan = predict_evictions(loaded, machine, incoming, now=now)
        gone = {model_key(e.name) for e in plan.evictions}
        evicted += [e for e in plan.evictions if model_key(e.name) not in incoming_keys]
        restore += [r for r in plan.restore if model_key(r.name) not in incoming_keys]
        loaded = [m for m in loaded if model_key(m.name) not in gone]
        if len(models) > 1:  # a comparison unloads each variant before the next
            loaded = [m for m in loaded if model_key(m.name) not in incoming_keys]
    return UnloadWarning(tuple(models), tuple(e.name for e in evicted if e.reason != "reload"),
                         tuple(restore), warning_text(models, evicted))


async def put_back(client: OllamaClient, items: Sequence[RestoreItem]) -> tuple[RestoreResult, ...]:
    """Load again the ``items`` that are not loaded now (one still loaded keeps its runner)."""
    loaded = {model_key(m.name) for m in await client.ps()}
    missing = [i for i in items if model_key(i.name) not in loaded]
    return await restore_models(client, missing)


def loaded_snapshot(running: Sequence[RunningModel], now: dt.datetime,
                    leave_out: Sequence[str] = ()) -> tuple[RestoreItem, ...]:
    """Every loaded model as a restore item (its keep-alive from the time it has left),
    but those in ``leave_out``: what a comparison should find loaded again afterwards."""
    skip = {model_key(n) for n in leave_out}
    out = []
    for m in running:
        if model_key(m.name) in skip:
            continue
        left = m.expires_in(now)
        if left is None or m.is_forever(now):
            keep: float | None = -1 if m.is_forever(now) else None
        else:
            keep = float(max(60, round(left.total_seconds())))
        out.append(RestoreItem(m.name, keep, m.context_length))
    return tuple(out)


class EvictionService(QObject):
    """Signals:
        checked(str, object): key, an UnloadWarning
        restored(str, object): key, the RestoreResult tuple
        restore_started(str, list): key, the names being put back
    """

    checked = Signal(str, object)
    restored = Signal(str, object)
    restore_started = Signal(str, list)

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._jobs = Jobs(services.io, services.bridge, on_finished=self._on_finished,
                          on_failed=self._on_failed)
        self._pending: dict[str, tuple[str, ...]] = {}

    def check(self, key: str, models: Sequence[str], num_ctx: int = 0) -> None:
        if not self._services.connection.is_connected:
            self.checked.emit(key, UnloadWarning(tuple(models)))
            return
        client = self._services.client()
        machine = self._services.hardware.machine
        self._pending[key] = tuple(models)
        self._jobs.start(f"check\n{key}",
                         lambda: check_unloads(client, machine, list(models), num_ctx))

    def restore(self, key: str, items: Sequence[RestoreItem]) -> None:
        client = self._services.client()
        self.restore_started.emit(key, [i.name for i in items])
        self._jobs.start(f"restore\n{key}", lambda: put_back(client, list(items)))

    def _on_finished(self, job: str, result: object) -> None:
        kind, key = job.split("\n", 1)
        if kind == "check":
            self._pending.pop(key, None)
            self.checked.emit(key, result)
        else:
            self.restored.emit(key, result)
            self._services.running.refresh()

    def _on_failed(self, job: str, message: str) -> None:
        kind, key = job.split("\n", 1)
        if kind == "check":
            self.checked.emit(key, UnloadWarning(self._pending.pop(key, ())))
        else:
            self.restored.emit(key, (RestoreResult("", message),))

    def shutdown(self) -> None:
        self._jobs.cancel_all()


__all__ = ["EvictionService", "UnloadWarning", "check_unloads", "loaded_snapshot", "put_back"]
